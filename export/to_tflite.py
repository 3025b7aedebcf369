"""Export a keras_sr model to TFLite: the same options as ``keras-sr export``.

    python export/to_tflite.py --model espcn --scale 3 --weights pretrained \
        --quantize int8-qat --io uint8 --verify $KERAS_SR_DATA/Set5 --out espcn_x3.tflite

``--quantize int8-qat`` is THE recipe (``keras_sr.quantization.recipe``): the shipped QAT
state for ``--weights pretrained``, else a recipe run (see ``--qat-retrain``).
"""

import argparse
import sys

from keras_sr.commands import export as command


def main(argv=None):
    parser = argparse.ArgumentParser(prog="to_tflite.py",
                                     description=command.__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
