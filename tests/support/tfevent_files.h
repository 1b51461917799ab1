// Building TensorFlow event files in code, for the tests of the TensorFlowEvent collector
// (header-only). Records are framed with MaskedCrc32c, which tfrecord_reader_test checks by hand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metrics-collector/tensorflow_event.pb.h"
#include "metrics-collector/tfrecord_reader.h"

namespace tuneup::testing {

inline std::string LittleEndian(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// One TFRecord record holding `data`.
inline std::string TfRecord(std::string_view data) {
  const std::string length = LittleEndian(data.size(), 8);
  return length + LittleEndian(MaskedCrc32c(length), 4) + std::string(data) +
         LittleEndian(MaskedCrc32c(data), 4);
}

inline std::string Serialized(const tfevent::Event& event) {
  std::string out;
  event.SerializeToString(&out);
  return out;
}

// The record every writer starts a file with.
inline std::string FileVersionRecord(double wall_time) {
  tfevent::Event event;
  event.set_wall_time(wall_time);
  event.set_file_version("brain.Event:2");
  return TfRecord(Serialized(event));
}

// An event with one summary value, filled in by the caller.
inline tfevent::Event SummaryEvent(double wall_time, int64_t step, tfevent::Summary::Value value) {
  tfevent::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  *event.mutable_summary()->add_value() = std::move(value);
  return event;
}

// A record of an old-style scalar (tensorboardX's add_scalar).
inline std::string ScalarRecord(double wall_time, int64_t step, const std::string& tag,
                                float value) {
  tfevent::Summary::Value v;
  v.set_tag(tag);
  v.set_simple_value(value);
  return TfRecord(Serialized(SummaryEvent(wall_time, step, std::move(v))));
}

// A record of a tensor summary.
inline std::string TensorRecord(double wall_time, int64_t step, const std::string& tag,
                                tfevent::TensorProto tensor) {
  tfevent::Summary::Value v;
  v.set_tag(tag);
  *v.mutable_tensor() = std::move(tensor);
  return TfRecord(Serialized(SummaryEvent(wall_time, step, std::move(v))));
}

// A float32 tensor of shape [] (TensorFlow 2's tf.summary.scalar).
inline tfevent::TensorProto FloatTensor(float value) {
  tfevent::TensorProto tensor;
  tensor.set_dtype(tfevent::DT_FLOAT);
  tensor.mutable_tensor_shape();
  tensor.add_float_val(value);
  return tensor;
}

}  // namespace tuneup::testing
