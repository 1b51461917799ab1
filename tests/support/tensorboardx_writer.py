"""TensorBoard event files written by a real writer (tensorboardX), for tensorboardx_py_test.cc.

  tensorboardx_writer.py write LOGDIR EXPECTED_JSON
      Writes event files in LOGDIR/train and LOGDIR/validation: scalars (add_scalar), scalar
      tensors of several dtypes (as TensorFlow 2 writes them), a histogram and a text summary.
      EXPECTED_JSON gets what the TensorFlowEvent collector must report: the metric names to
      collect and, for each, the observations in order: value (as the file stores it) and wall
      time (exact, or the bounds of the time tensorboardX took itself).

  tensorboardx_writer.py live LOGDIR ACK_DIR COUNT
      Writes COUNT scalars to LOGDIR/train, one at a time: after writing step i it waits (at
      most 60 s) until ACK_DIR/ack-<i> exists, so the reader proves it saw each step while the
      writer was still running. tensorboardX writes from a thread of its own, which flushes
      every flush_secs (0.1 s here); its flush() does not wait for that thread's queue.
"""

import json
import os
import struct
import sys
import time

import numpy as np
from tensorboardX import SummaryWriter
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto
from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboardX.proto import types_pb2

WALL = 1_700_000_000.0


def as_float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def scalar_tensor_summary(tag, tensor):
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def write(logdir, expected_path):
    expected = {}

    def expect(metric, value, wall_time=None, wall_time_min=None, wall_time_max=None):
        entry = {"value": value}
        if wall_time is not None:
            entry["wall_time"] = wall_time
        else:
            entry["wall_time_min"] = wall_time_min
            entry["wall_time_max"] = wall_time_max
        expected.setdefault(metric, []).append(entry)

    train = SummaryWriter(os.path.join(logdir, "train"))
    for step in range(1, 6):
        wall = WALL + step + 0.123456
        accuracy = 0.1 * step + 0.01
        train.add_scalar("accuracy", accuracy, step, walltime=wall)
        expect("train/accuracy", as_float32(accuracy), wall)
        train.add_scalar("loss", 1.0 / step, step, walltime=wall + 0.5)
        expect("loss", as_float32(1.0 / step), wall + 0.5)
        # Tags that start like a metric but hold no number: passed over, or skipped with a warning.
        train.add_histogram("accuracy_histogram", np.arange(10) * step, step, walltime=wall)
        train.add_text("accuracy_note", "step %d" % step, step, walltime=wall)
    # The time tensorboardX takes itself.
    before = time.time()
    train.add_scalar("loss", 0.0625, 6)
    after = time.time()
    expect("loss", 0.0625, wall_time_min=before, wall_time_max=after)

    # Scalar tensors, serialized by Python's protobuf and framed by tensorboardX.
    file_writer = train._get_file_writer()
    scalar = TensorShapeProto()
    tensors = [
        (TensorProto(dtype=types_pb2.DT_FLOAT, tensor_shape=scalar, float_val=[0.75]), 0.75),
        (TensorProto(dtype=types_pb2.DT_DOUBLE, tensor_shape=scalar, double_val=[0.1]), 0.1),
        (TensorProto(dtype=types_pb2.DT_INT64, tensor_shape=scalar, int64_val=[-(2**40)]),
         -(2.0**40)),
        (TensorProto(dtype=types_pb2.DT_HALF, tensor_shape=scalar,
                     half_val=[int(np.float16(0.333).view(np.uint16))]),
         float(np.float16(0.333))),
        (TensorProto(dtype=types_pb2.DT_FLOAT,
                     tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
                     tensor_content=np.float32(2.5).tobytes()), 2.5),
    ]
    for index, (tensor, value) in enumerate(tensors):
        wall = WALL + 100 + index + 0.25
        file_writer.add_summary(scalar_tensor_summary("tensor_loss", tensor), 10 + index, wall)
        expect("tensor_loss", value, wall)
    matrix = TensorProto(dtype=types_pb2.DT_FLOAT,
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=2)]),
                         float_val=[1.0, 2.0])
    file_writer.add_summary(scalar_tensor_summary("tensor_loss_matrix", matrix), 20, WALL + 200)
    train.close()

    validation = SummaryWriter(os.path.join(logdir, "validation"))
    for step in range(1, 4):
        wall = WALL + 10 * step + 0.5
        accuracy = 0.2 * step
        validation.add_scalar("accuracy", accuracy, step, walltime=wall)
        expect("validation/accuracy", as_float32(accuracy), wall)
    validation.close()

    with open(expected_path, "w") as out:
        json.dump({"metrics": sorted(expected), "observations": expected}, out, indent=1)


def live(logdir, ack_dir, count):
    writer = SummaryWriter(os.path.join(logdir, "train"), flush_secs=0.1)
    for step in range(1, count + 1):
        writer.add_scalar("accuracy", step / count, step, walltime=WALL + step)
        ack = os.path.join(ack_dir, "ack-%d" % step)
        deadline = time.monotonic() + 60
        while not os.path.exists(ack):
            if time.monotonic() > deadline:
                print("no %s within 60 s" % ack, file=sys.stderr)
                sys.exit(3)
            time.sleep(0.01)
    writer.close()


def main(argv):
    if len(argv) == 4 and argv[1] == "write":
        write(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "live":
        live(argv[2], argv[3], int(argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
