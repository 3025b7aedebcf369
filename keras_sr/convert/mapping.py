"""Map a torch state dict onto a keras_sr model by structure: roles from shapes, not names.

Each supported family sorts the checkpoint's convolutions into the roles of its keras_sr
builder by kernel size and channel counts (e.g. VDSR: the one ``channels -> filters``
conv, ``filters -> filters`` convs, the one ``filters -> channels`` conv), in the file's
order within a role, and reads the builder options (channels, filters, depth, biases,
LeakyReLU slope, LapSRN levels) from the shapes and, for pickled modules, from their
attributes. Anything that fits no role, a role left empty, or a tensor of the wrong
shape is named in one :class:`MappingError`.

Torch layouts: ``Conv2d.weight`` is ``(out, in, kh, kw)``, Keras ``Conv2D.kernel``
``(kh, kw, in, out)``; ``ConvTranspose2d.weight`` is ``(in, out, kh, kw)``, Keras
``Conv2DTranspose.kernel`` ``(kh, kw, out, in)``: both are the transpose ``(2, 3, 1, 0)``
with no flip. A 4x4 stride-2 ``ConvTranspose2d`` with ``padding=1`` equals Keras
``Conv2DTranspose(4, strides=2, padding="same")`` (one row cropped on each side of the
``2H + 2`` full output; tests/convert checks it numerically).
"""

import dataclasses

import numpy as np

FAMILIES = ("vdsr", "lapsrn")
IMAGE_CHANNELS = (1, 3)


class MappingError(ValueError):
    """The checkpoint's tensors do not fit the model: names what is missing, unexpected
    or mis-shaped."""

    def __init__(self, what, missing=(), unexpected=(), misshaped=(), other=()):
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.misshaped = list(misshaped)
        lines = [what]
        for title, items in (("missing", self.missing), ("unexpected", self.unexpected),
                             ("mis-shaped", self.misshaped), ("other", list(other))):
            if items:
                lines.append(f"  {title}:")
                lines.extend(f"    - {item}" for item in items)
        super().__init__("\n".join(lines))


@dataclasses.dataclass
class Conv:
    """A convolution of the checkpoint (torch layout).

    Attributes:
        name: module name (``"residual_layer.3.conv"``).
        weight: array ``(out, in, kh, kw)``, or ``(in, out, kh, kw)`` when transposed.
        bias: array ``(out,)`` or None.
        transposed: bool, a ``ConvTranspose2d`` (from the pickled module when known,
            else from the family's kernel size).
        attributes: the pickled module's attributes (``stride``, ``padding``, ...) or {}.
    """

    name: str
    weight: np.ndarray
    bias: object
    transposed: bool
    attributes: dict

    @property
    def kernel(self):
        return tuple(self.weight.shape[2:])

    @property
    def in_channels(self):
        return self.weight.shape[1 if not self.transposed else 0]

    @property
    def out_channels(self):
        return self.weight.shape[0 if not self.transposed else 1]

    def describe(self):
        kind = "transposed conv" if self.transposed else "conv"
        bias = "" if self.bias is None else " + bias"
        return (f"{self.name}.weight {tuple(self.weight.shape)} ({self.kernel[0]}x"
                f"{self.kernel[1]} {kind} {self.in_channels} -> {self.out_channels}{bias})")

    def keras_weights(self):
        """``[kernel]`` or ``[kernel, bias]`` in Keras layout (transpose 2, 3, 1, 0)."""
        kernel = np.ascontiguousarray(self.weight.transpose(2, 3, 1, 0), dtype=np.float32)
        return [kernel] if self.bias is None else [kernel, self.bias.astype(np.float32)]


@dataclasses.dataclass
class Plan:
    """How a checkpoint maps onto a keras_sr model.

    Attributes:
        family: model name in ``keras_sr.models`` (``"vdsr"``).
        scale: int or None (VDSR serves any scale: the caller chooses).
        options: builder arguments read from the checkpoint (``channels``, ``filters``,
            ``depth``, ``use_bias``, ...).
        assignments: list of ``(keras layer name, Conv)``.
        notes: list of str, how the options were read.
    """

    family: str
    scale: object
    options: dict
    assignments: list
    notes: list


def collect_convs(state, transposed_kernel=None):
    """The convolutions of a state dict, and the names of the tensors that are not.

    Args:
        state: :class:`~keras_sr.convert.state_dict.StateDict`.
        transposed_kernel: kernel size ``(kh, kw)`` taken as a transposed conv when the
            module type is unknown (a plain state dict), or None.

    Returns:
        ``(convs, others)``: list of :class:`Conv` in file order, list of str.
    """
    tensors = state.tensors
    convs, used = [], set()
    for name, weight in tensors.items():
        if weight.ndim != 4 or not (name == "weight" or name.endswith(".weight")):
            continue
        prefix = name[:-len("weight")].rstrip(".")
        bias = tensors.get(f"{prefix}.bias" if prefix else "bias")
        info = state.modules.get(prefix)
        attributes = info.attributes if info is not None else {}
        if "transposed" in attributes:
            transposed = bool(attributes["transposed"])
        else:
            transposed = tuple(weight.shape[2:]) == transposed_kernel
        used.add(name)
        if bias is not None and bias.ndim == 1:
            used.add(f"{prefix}.bias" if prefix else "bias")
        else:
            bias = None
        convs.append(Conv(prefix, weight, bias, transposed, attributes))
    others = [f"{name} {tuple(value.shape)}" for name, value in tensors.items()
              if name not in used]
    return convs, others


def _check_attributes(conv, expected, problems):
    for key, value in expected.items():
        if key in conv.attributes and tuple(np.atleast_1d(conv.attributes[key])) != value:
            problems.append(f"{conv.name}: {key} {conv.attributes[key]!r}, expected {value!r}")


def _names(names, shown=3):
    """``a, b, c and 16 more`` for long lists of module names."""
    names = list(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _activations(state):
    """Pickled activation modules: ``{class name: [module names]}``."""
    found = {}
    for name, info in state.modules.items():
        short = info.torch_class.rsplit(".", 1)[-1]
        if short in ("ReLU", "LeakyReLU", "PReLU", "ELU", "GELU", "SiLU", "Tanh", "Sigmoid"):
            found.setdefault(short, []).append(name)
    return found


def _bias_option(convs, role, other):
    with_bias = [c for c in convs if c.bias is not None]
    if with_bias and len(with_bias) != len(convs):
        without = [c.name for c in convs if c.bias is None]
        other.append(f"some {role} convs have a bias and some do not (without: "
                     f"{_names(without)}); keras_sr builds all or none")
    return bool(with_bias)


def match_vdsr(state):
    """Plan VDSR: ``channels -> filters`` conv, ``filters -> filters`` convs (ReLU after
    each but the last), ``filters -> channels`` conv, all 3x3; output = input + residual.

    Args:
        state: :class:`~keras_sr.convert.state_dict.StateDict`.

    Returns:
        :class:`Plan` with ``scale=None`` (one VDSR serves x2, x3 and x4).

    Raises:
        MappingError: the tensors do not fit.
    """
    convs, others = collect_convs(state)
    unexpected = list(others)
    missing, misshaped, other = [], [], []
    plain = []
    for conv in convs:
        if conv.transposed or conv.kernel != (3, 3):
            unexpected.append(f"{conv.describe()}: vdsr has only 3x3 convs")
        else:
            plain.append(conv)
    heads = [c for c in plain if c.in_channels in IMAGE_CHANNELS
             and c.out_channels not in IMAGE_CHANNELS]
    if not heads:
        missing.append("the first conv: 3x3, 1 or 3 image channels -> filters")
        raise MappingError("vdsr: the checkpoint does not fit", missing, unexpected)
    unexpected.extend(f"{c.describe()}: a second first-conv candidate" for c in heads[1:])
    head = heads[0]
    channels, filters = head.in_channels, head.out_channels
    tails = [c for c in plain if c.out_channels == channels and c is not head]
    if not tails:
        missing.append(f"the last conv: 3x3, {filters} -> {channels} channels")
    unexpected.extend(f"{c.describe()}: a second last-conv candidate" for c in tails[:-1])
    tail = tails[-1] if tails else None
    body = [c for c in plain if c is not head and c not in tails]
    for conv in body:
        if conv.weight.shape != (filters, filters, 3, 3):
            misshaped.append(f"{conv.describe()}: expected ({filters}, {filters}, 3, 3)")
    activations = _activations(state)
    for kind, names in activations.items():
        if kind != "ReLU":
            unexpected.append(f"{kind} modules ({_names(names)}): vdsr uses ReLU")
    for conv in plain:
        _check_attributes(conv, {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1),
                                 "groups": (1,)}, other)
    use_bias = _bias_option(plain, "vdsr", other)
    if missing or unexpected or misshaped or other:
        raise MappingError("vdsr: the checkpoint does not fit", missing, unexpected,
                           misshaped, other)
    depth = len(body) + 2
    assignments = [("conv1", head)] + [(f"conv{i + 2}", c) for i, c in enumerate(body)]
    assignments.append((f"conv{depth}", tail))
    notes = [f"vdsr: {depth} convs of {filters} channels, {channels} image channel(s), "
             f"{'with' if use_bias else 'no'} biases (from the tensor shapes)"]
    return Plan("vdsr", None, {"channels": channels, "filters": filters, "depth": depth,
                               "use_bias": use_bias}, assignments, notes)


def match_lapsrn(state):
    """Plan LapSRN: an input 3x3 conv (+ LeakyReLU), then per x2 level ``depth`` 3x3
    convs, a 4x4 stride-2 transposed conv (features), a 3x3 residual conv and a 4x4
    stride-2 transposed conv of the image, no bias on the image branch.

    Args:
        state: :class:`~keras_sr.convert.state_dict.StateDict`.

    Returns:
        :class:`Plan` whose ``scale`` is ``2 ** levels``.

    Raises:
        MappingError: the tensors do not fit.
    """
    convs, others = collect_convs(state, transposed_kernel=(4, 4))
    unexpected = list(others)
    missing, misshaped, other = [], [], []
    three = [c for c in convs if not c.transposed and c.kernel == (3, 3)]
    four = [c for c in convs if c.transposed and c.kernel == (4, 4)]
    unexpected.extend(f"{c.describe()}: lapsrn has 3x3 convs and 4x4 transposed convs"
                      for c in convs if c not in three and c not in four)
    heads = [c for c in three if c.in_channels in IMAGE_CHANNELS]
    if len(heads) != 1:
        if heads:
            unexpected.extend(f"{c.describe()}: a second input-conv candidate"
                              for c in heads[1:])
        else:
            missing.append("the input conv: 3x3, 1 or 3 image channels -> filters")
            raise MappingError("lapsrn: the checkpoint does not fit", missing, unexpected)
    head = heads[0]
    channels, filters = head.in_channels, head.out_channels
    image_up = [c for c in four if c.in_channels == channels and c.out_channels == channels]
    feature_up = [c for c in four if c not in image_up]
    residual = [c for c in three if c.out_channels == channels and c is not head]
    body = [c for c in three if c is not head and c not in residual]
    levels = len(feature_up)
    for role, found, shape in (("image-branch transposed conv", image_up,
                                f"({channels}, {channels}, 4, 4)"),
                               ("residual conv", residual, f"({channels}, {filters}, 3, 3)")):
        if len(found) < levels:
            missing.extend(f"level {i + 1}: the {role} {shape}"
                           for i in range(len(found), levels))
        unexpected.extend(f"{c.describe()}: more {role}s than levels ({levels})"
                          for c in found[levels:])
    for conv in feature_up:
        if conv.weight.shape != (filters, filters, 4, 4):
            misshaped.append(f"{conv.describe()}: expected ({filters}, {filters}, 4, 4)")
    for conv in body + residual[:levels]:
        if conv.in_channels != filters:
            misshaped.append(f"{conv.describe()}: expected {filters} input channels")
    if levels == 0:
        missing.append(f"the 4x4 transposed conv of the features ({filters}, {filters}, 4, 4)")
    elif len(body) % levels:
        misshaped.append(f"{len(body)} feature convs do not split into {levels} levels")
    for conv in image_up:
        if conv.bias is not None:
            unexpected.append(f"{conv.name}.bias: the image-branch transposed conv has no bias "
                              "in keras_sr")
    for conv in three:
        _check_attributes(conv, {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1),
                                 "groups": (1,)}, other)
    for conv in four:
        _check_attributes(conv, {"stride": (2, 2), "padding": (1, 1), "output_padding": (0, 0),
                                 "dilation": (1, 1), "groups": (1,)}, other)
    activations = _activations(state)
    for kind, names in activations.items():
        if kind != "LeakyReLU":
            unexpected.append(f"{kind} modules ({_names(names)}): lapsrn uses LeakyReLU")
    slopes = sorted({float(state.modules[n].attributes.get("negative_slope", 0.01))
                     for n in activations.get("LeakyReLU", [])})
    if len(slopes) > 1:
        other.append(f"LeakyReLU slopes differ ({slopes}); keras_sr uses one slope")
    use_bias = _bias_option(body + feature_up + residual + [head], "lapsrn", other)
    scale = 2 ** levels
    if levels and scale not in (2, 4, 8):
        other.append(f"{levels} levels (x{scale}); keras_sr's lapsrn has 1 to 3 (x2, x4, x8)")
    if missing or unexpected or misshaped or other:
        raise MappingError("lapsrn: the checkpoint does not fit", missing, unexpected,
                           misshaped, other)
    depth = len(body) // levels
    assignments = [("input_conv", head)]
    for level in range(levels):
        name = f"level_x{2 ** (level + 1)}"
        assignments.extend((f"{name}_conv{i + 1}", c)
                           for i, c in enumerate(body[level * depth:(level + 1) * depth]))
        assignments.extend([(f"{name}_feature_up", feature_up[level]),
                            (f"{name}_residual", residual[level]),
                            (f"{name}_image_up", image_up[level])])
    options = {"channels": channels, "filters": filters, "depth": depth, "use_bias": use_bias}
    notes = [f"lapsrn: {levels} levels (x{scale}), {depth} convs of {filters} channels per "
             f"level, {channels} image channel(s), {'with' if use_bias else 'no'} biases "
             "(from the tensor shapes)"]
    if slopes:
        options["negative_slope"] = slopes[0]
        notes.append(f"LeakyReLU slope {slopes[0]} (from the pickled LeakyReLU modules)")
    else:
        notes.append("LeakyReLU slope 0.2 assumed (a plain state dict does not record it)")
    return Plan("lapsrn", scale, options, assignments, notes)


MATCHERS = {"vdsr": match_vdsr, "lapsrn": match_lapsrn}


def plan_for(state, model=None):
    """Match the checkpoint to ``model``, or detect the family when ``model`` is None.

    Args:
        state: :class:`~keras_sr.convert.state_dict.StateDict`.
        model: ``"vdsr"``, ``"lapsrn"`` or None (detect: exactly one family must fit).

    Returns:
        :class:`Plan`; when detected, its first note says so.

    Raises:
        ValueError: unknown ``model``.
        MappingError: the checkpoint does not fit ``model``, or fits no family (the
            message gives each family's reasons).
    """
    if model is not None:
        if model not in MATCHERS:
            raise ValueError(f"`model` {model!r} has no checkpoint mapping; supported: "
                             f"{', '.join(FAMILIES)}")
        return MATCHERS[model](state)
    plans, reasons = [], []
    for name, matcher in MATCHERS.items():
        try:
            plans.append(matcher(state))
        except MappingError as err:
            reasons.append(str(err))
    if len(plans) != 1:
        found = ", ".join(p.family for p in plans)
        raise MappingError("cannot detect the model family from the tensor names and shapes "
                           + (f"(fits several: {found}); pass --model" if plans else
                              f"(fits none of {', '.join(FAMILIES)})"),
                           other=reasons)
    plan = plans[0]
    plan.notes.insert(0, f"detected {plan.family} (the only supported family whose structure "
                         "fits the tensor shapes)")
    return plan
