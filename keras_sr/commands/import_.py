"""``keras-sr import FILE --out OUT.keras``: a PyTorch checkpoint as a keras_sr model.

The file is read without running any code from it (see docs/import.md); the family and
scale are detected from the tensor shapes unless given. Example::

    keras-sr import vdsr.pth --model vdsr --scale 3 --out vdsr_x3.keras
    keras-sr eval --model vdsr_x3.keras --dataset Set5
"""


def add_arguments(parser):
    """Declare the ``import`` options on an argparse parser."""
    parser.add_argument("file", help="PyTorch checkpoint (.pth / .pt: zip or legacy layout, "
                                     "a state dict or a pickled module)")
    parser.add_argument("--out", required=True, metavar="OUT.keras",
                        help="where to write the Keras model")
    parser.add_argument("--model", default=None,
                        help="keras_sr family (vdsr, lapsrn); default: detect it from the "
                             "tensor shapes")
    parser.add_argument("--scale", type=int, default=None,
                        help="upscaling factor; needed for VDSR (one checkpoint serves every "
                             "scale); LapSRN's is 2 ** its levels")
    parser.add_argument("--key", default=None,
                        help="entry of the checkpoint dict that holds the weights (e.g. "
                             "params_ema); default: the usual names")


def run(args):
    """Import, print what was detected and saved; returns the exit status."""
    # Deferred: keras_sr.convert loads Keras/TensorFlow, not needed for `--help`.
    from keras_sr.convert import import_checkpoint

    result = import_checkpoint(args.file, model=args.model, scale=args.scale, out=args.out,
                               key=args.key)
    print(result.summary())
    return 0
