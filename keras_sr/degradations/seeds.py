"""Seeds of the degradations: stateless seed streams and the per-image random draws.

Every ``random_*`` degradation takes a ``seed``: an int, a ``keras.random.SeedGenerator``
(stateful), a ``SeedStream`` or an integer tensor of shape ``(2,)`` (stateless, e.g.
``(seed, element_index)`` inside ``tf.data``). The same seed always gives the same result.

Example:
    >>> stream = seed_stream(3)
    >>> bool(keras.ops.all(stream.next() == seed_stream(3).next()))
    True
"""

import keras
from keras import ops


def _seed_dtype():
    return "int64" if keras.backend.backend() == "tensorflow" else "uint32"


class SeedStream(keras.random.SeedGenerator):
    """A stateless stream of seeds derived from a base seed (no variable, jit/tf.data safe).

    The ``k``-th call of ``next()`` returns ``base + (k * 1000003, 0)``, so a stream built
    from ``(seed, element_index)`` gives every element of a dataset its own draws, the
    same ones at every run, whatever the parallelism.

    Args:
        seed: int, or integer tensor/array of shape ``(2,)``.
    """

    def __init__(self, seed):  # pylint: disable=super-init-not-called
        # Deliberately skips SeedGenerator.__init__: that would create a state variable.
        if isinstance(seed, int):
            seed = [seed, 0]
        self._base = ops.cast(ops.convert_to_tensor(seed), _seed_dtype())
        if tuple(self._base.shape) != (2,):
            raise ValueError(f"SeedStream: `seed` must be an int or have shape (2,); "
                             f"got shape {tuple(self._base.shape)}")
        self._count = 0

    def next(self, ordered=True):
        """The next seed: ``base + (k * 1000003, 0)`` at the ``k``-th call."""
        self._count += 1
        step = ops.convert_to_tensor([self._count * 1000003, 0], dtype=_seed_dtype())
        return self._base + step


def seed_stream(seed):
    """Return a seed generator for ``seed`` (int, (2,) tensor, SeedGenerator or None).

    ``None`` gives an unseeded generator (different draws each run); pass a seed for
    reproducible results.

    Args:
        seed: int, integer ``(2,)`` tensor, ``keras.random.SeedGenerator`` or None.

    Returns:
        A ``keras.random.SeedGenerator`` (a ``SeedStream`` for ints and tensors).
    """
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    if seed is None:
        return keras.random.SeedGenerator()
    if isinstance(seed, bool):
        raise ValueError(f"`seed` must be an int, a (2,) tensor or a SeedGenerator; got {seed!r}")
    return SeedStream(seed)


def uniform(batch, value_range, stream):
    """``(batch,)`` float32 draws uniform in ``value_range = (low, high)``."""
    low, high = value_range
    return keras.random.uniform((batch,), minval=low, maxval=high, seed=stream)


def bernoulli(batch, probability, stream):
    """``(batch,)`` bool draws, True with ``probability``."""
    return keras.random.uniform((batch,), seed=stream) < probability


__all__ = ["SeedStream", "seed_stream", "uniform", "bernoulli"]
