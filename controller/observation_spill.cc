#include "controller/observation_spill.h"

#include <cstring>
#include <filesystem>

#include "common/error.h"

namespace tuneup {

namespace {

template <typename T>
void Put(std::string& out, const T& value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T Take(std::string_view& in) {
  T value;
  if (in.size() < sizeof(T)) throw Error(ErrorCode::kInternal, "truncated batch");
  std::memcpy(&value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return value;
}

}  // namespace

ObservationSpill::ObservationSpill(std::string path) : path_(std::move(path)) {}

ObservationSpill::~ObservationSpill() {
  Clear();
}

void ObservationSpill::Open() {
  if (file_.is_open()) return;
  file_.open(path_, std::ios::binary | std::ios::in | std::ios::out | std::ios::trunc);
  if (!file_) {
    throw Error(ErrorCode::kInternal,
                "cannot create " + path_ + " to hold observations: " + std::strerror(errno));
  }
  end_ = 0;
}

ObservationSpill::Batch ObservationSpill::Append(std::span<const Observation> observations) {
  Open();
  std::string bytes;
  for (const auto& o : observations) {
    Put(bytes, static_cast<uint32_t>(o.metric.size()));
    bytes += o.metric;
    Put(bytes, o.value);
    Put(bytes, static_cast<int64_t>(o.time.time_since_epoch().count()));
  }
  file_.clear();
  file_.seekp(static_cast<std::streamoff>(end_));
  file_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file_.flush();
  if (!file_) {
    throw Error(ErrorCode::kInternal, "cannot write observations to " + path_ + ": " +
                                          std::strerror(errno) + " (is the disk full?)");
  }
  Batch batch{end_, bytes.size(), observations.size()};
  end_ += bytes.size();
  return batch;
}

std::vector<Observation> ObservationSpill::Read(const Batch& batch) {
  std::string bytes(batch.bytes, '\0');
  file_.clear();
  file_.seekg(static_cast<std::streamoff>(batch.offset));
  file_.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file_) {
    throw Error(ErrorCode::kInternal,
                "cannot read observations back from " + path_ + ": " + std::strerror(errno));
  }
  std::string_view in(bytes);
  std::vector<Observation> observations(batch.count);
  try {
    for (auto& o : observations) {
      auto size = Take<uint32_t>(in);
      if (in.size() < size) throw Error(ErrorCode::kInternal, "truncated batch");
      o.metric.assign(in.substr(0, size));
      in.remove_prefix(size);
      o.value = Take<double>(in);
      o.time = Timestamp(Timestamp::duration(Take<int64_t>(in)));
    }
  } catch (const Error& e) {
    throw Error(ErrorCode::kInternal, "cannot read observations back from " + path_ + " at byte " +
                                          std::to_string(batch.offset) + ": " + e.what());
  }
  return observations;
}

void ObservationSpill::Clear() {
  if (file_.is_open()) file_.close();
  end_ = 0;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace tuneup
