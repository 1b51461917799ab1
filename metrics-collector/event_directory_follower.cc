#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "metrics-collector/event_directory_follower.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>

#include <boost/asio/steady_timer.hpp>

#include "metrics-collector/file_follower.h"
#include "metrics-collector/line_reader.h"
#include "metrics-collector/tfevent_parser.h"

namespace tuneup {
namespace fs = std::filesystem;

namespace {

// TensorBoard's test for an event file, less the profiler's markers, which hold no summaries.
bool IsEventFile(std::string_view name) {
  return name.find("tfevents") != std::string_view::npos && !name.ends_with(".profile-empty");
}

// `directory` without trailing '/'s, as Python's os.path.dirname leaves it ("/" stays "/").
std::string WithoutTrailingSlashes(std::string directory) {
  const size_t end = directory.find_last_not_of('/');
  directory.resize(end == std::string::npos ? std::min<size_t>(directory.size(), 1) : end + 1);
  return directory;
}

}  // namespace

struct EventDirectoryFollower::State : std::enable_shared_from_this<State> {
  struct File {
    std::string relative;
    std::unique_ptr<MetricParser> parser;
    std::unique_ptr<FileFollower> follower;
  };

  State(boost::asio::io_context& io, EventDirectoryFollowerOptions options, const Clock& clock,
        ObservationSink on_observations, WarningSink warn_sink)
      : io(io),
        timer(io),
        options(std::move(options)),
        declared_root(WithoutTrailingSlashes(this->options.declared_path.empty()
                                                 ? this->options.path
                                                 : this->options.declared_path)),
        clock(clock),
        on_observations(std::move(on_observations)),
        warn(warn_sink),
        warnings(std::move(warn_sink)) {}

  void Schedule(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished) return;
      self->Scan();
      self->Schedule(self->options.poll_interval);
    });
  }

  // One look at the directory tree: follows the event files not seen before.
  void Scan() {
    const fs::path root(options.path);
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (!fs::is_directory(status)) {
      if (fs::exists(status) && !not_directory_warned) {
        Warn(options.path + ": is not a directory; not read");
        not_directory_warned = true;
      }
      return;
    }
    appeared = true;
    std::vector<std::string> found;
    size_t entries = 0;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (++entries > options.max_scan_entries) {
        if (!scan_limit_warned) {
          Warn(options.path + ": holds more than " + std::to_string(options.max_scan_entries) +
               " entries; only that many are looked at for event files");
        }
        scan_limit_warned = true;
        break;
      }
      std::error_code type_ec;
      if (!IsEventFile(it->path().filename().native()) || !it->is_regular_file(type_ec)) continue;
      std::string relative = it->path().lexically_relative(root).generic_string();
      if (!known.contains(relative)) found.push_back(std::move(relative));
    }
    // A directory removed while it is listed is no error: the next look sees the tree as it is
    // then. Other errors are said once, not at every look.
    if (ec && ec != std::errc::no_such_file_or_directory && ec.message() != listing_error) {
      listing_error = ec.message();
      Warn(options.path + ": cannot be listed: " + listing_error);
    }
    std::sort(found.begin(), found.end());
    for (auto& relative : found)
      Follow(std::move(relative));
  }

  void Follow(std::string relative) {
    const std::string full = (fs::path(options.path) / relative).string();
    if (files.size() >= options.max_files) {
      if (!file_limit_warned) {
        Warn(full + ": not read: " + std::to_string(options.max_files) +
             " event files are followed already (the limit)");
      }
      file_limit_warned = true;
      return;
    }
    known.insert(relative);
    auto file = std::make_unique<File>();
    file->relative = std::move(relative);
    File* target = file.get();

    TfEventParserOptions parser;
    parser.metric_names = options.metric_names;
    parser.directory = KatibDirectory(file->relative);
    parser.max_record_bytes = options.max_record_bytes;
    // Parsers limit their own warnings; each names its file.
    parser.warn = [this, full](std::string_view message) {
      if (warn) warn(full + ": " + std::string(message));
    };
    file->parser = MakeTfEventMetricParser(std::move(parser));

    FileFollowerOptions follow;
    follow.path = full;
    follow.poll_interval = options.poll_interval;
    follow.max_bytes_per_poll = options.max_bytes_per_poll;
    // The followers live in `files`, destroyed first of all members: `this` outlives them.
    file->follower = std::make_unique<FileFollower>(
        io, follow, [this, target](std::string_view bytes) { Parse(*target, bytes); },
        [this](std::string_view message) { Warn(std::string(message)); });
    files.push_back(std::move(file));
  }

  // The directory of the file at `relative` as the trial names it.
  std::string KatibDirectory(const std::string& relative) const {
    const std::string parent = fs::path(relative).parent_path().generic_string();
    if (parent.empty()) return declared_root;
    return declared_root.ends_with('/') ? declared_root + parent : declared_root + "/" + parent;
  }

  void Parse(File& file, std::string_view bytes) {
    std::vector<Observation> out;
    file.parser->Feed(bytes, clock.Now(), out);
    if (!out.empty() && on_observations) on_observations(std::move(out));
  }

  void Finish() {
    if (finished) return;
    finished = true;
    timer.cancel();
    Scan();
    for (auto& file : files) {
      file->follower->Finish();
      std::vector<Observation> out;
      file->parser->Finish(clock.Now(), out);
      if (!out.empty() && on_observations) on_observations(std::move(out));
    }
  }

  void Warn(const std::string& message) {
    if (warnings.Allowed()) warnings.Emit(message);
  }

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  const EventDirectoryFollowerOptions options;
  const std::string declared_root;  // without trailing '/'
  const Clock& clock;
  ObservationSink on_observations;
  WarningSink warn;             // the parsers' warnings, limited by each parser
  WarningLimiter warnings;      // the follower's own
  std::set<std::string> known;  // the relative paths in `files`
  std::string listing_error;    // the last one said
  bool appeared = false;
  bool finished = false;
  bool not_directory_warned = false;
  bool scan_limit_warned = false;
  bool file_limit_warned = false;
  // Last, so destroyed first: no follower calls back into a half-destroyed State.
  std::vector<std::unique_ptr<File>> files;
};

EventDirectoryFollower::EventDirectoryFollower(boost::asio::io_context& io,
                                               EventDirectoryFollowerOptions options,
                                               const Clock& clock, ObservationSink on_observations,
                                               WarningSink warn)
    : state_(std::make_shared<State>(io, std::move(options), clock, std::move(on_observations),
                                     std::move(warn))) {
  state_->Schedule(std::chrono::milliseconds(0));
}

EventDirectoryFollower::~EventDirectoryFollower() {
  state_->finished = true;
  state_->timer.cancel();
}

void EventDirectoryFollower::Finish() {
  state_->Finish();
}

bool EventDirectoryFollower::appeared() const {
  return state_->appeared;
}

const std::string& EventDirectoryFollower::path() const {
  return state_->options.path;
}

std::vector<std::string> EventDirectoryFollower::files() const {
  std::vector<std::string> relatives;
  for (const auto& file : state_->files)
    relatives.push_back(file->relative);
  return relatives;
}

}  // namespace tuneup
