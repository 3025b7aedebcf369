"""Export a keras_sr model to TFLite: the same options as ``keras-sr export``.

    python export/to_tflite.py --model espcn --scale 3 --weights pretrained \
        --quantize int8-qat --qat-epochs 2 --train-dir ../shared/datasets/T91 \
        --io uint8 --verify ../shared/datasets/Set5 --max-psnr-drop 0.1 --out espcn_x3.tflite
"""

import argparse
import sys

from keras_sr.commands import export as command


def main(argv=None):
    parser = argparse.ArgumentParser(prog="to_tflite.py",
                                     description=command.__doc__.splitlines()[0])
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
