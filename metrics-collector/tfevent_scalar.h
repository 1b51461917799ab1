// The number in a TensorFlow summary tensor, the way TensorFlow itself reads one (make_ndarray)
// when Katib's TensorFlowEvent collector turns a tensor summary into a metric value.
//
// A tensor holds a number when its dtype is float32, float64, float16, bfloat16 or an integer
// type (int8 to int64, uint8 to uint64) and its shape has one element: no dimensions (what
// TensorFlow 2's tf.summary.scalar writes) or only dimensions of size 1. The element is read
// from tensor_content (little endian) when that is set, else from the field of its dtype
// (half_val holds float16 and bfloat16 bit patterns, int_val the integers up to 32 bits, ...);
// that field being empty means 0, as in TensorFlow, which fills a tensor without values with
// zeros. Anything else has no number, and the result says why, in words for a warning: "a
// string tensor, not a number" (a text summary), "a tensor of shape [2, 3], not a scalar",
// "tensor_content holds 3 bytes, not one float32". Non-finite numbers are returned as they are:
// what to do with them is the caller's business.
#pragma once

#include <optional>
#include <string>

#include "metrics-collector/tensorflow_event.pb.h"

namespace tuneup {

struct TensorScalar {
  std::optional<double> value;
  std::string problem;  // why there is no value
};

TensorScalar ReadTensorScalar(const tfevent::TensorProto& tensor);

}  // namespace tuneup
