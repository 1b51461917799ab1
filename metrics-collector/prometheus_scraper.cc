#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "metrics-collector/prometheus_scraper.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/error.h"
#include "metrics-collector/http_get.h"
#include "metrics-collector/line_reader.h"
#include "metrics-collector/prometheus_parser.h"

namespace tuneup {

namespace {

// The text format, version 0.0.4: what prometheus_client and the Go client send when OpenMetrics
// is not asked for.
constexpr const char* kAccept = "text/plain;version=0.0.4;q=1,*/*;q=0.1";
// Warnings one scrape may give; a garbage exporter cannot spend the whole limit in one scrape.
constexpr int kWarningsPerScrape = 20;

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// An HTTP token (RFC 9110): the characters a header name may have.
bool IsToken(std::string_view text) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSymbols.find(c) != kSymbols.npos;
  });
}

// No control characters but tab: a CR or LF would end the header and start another.
bool IsHeaderValue(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7F;
  });
}

bool IsHttps(const PrometheusScraperOptions& options) {
  return Lowercase(options.scheme) == "https";
}

std::string Url(const PrometheusScraperOptions& options) {
  const bool ipv6 = options.host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + options.host + "]" : options.host) + ":" +
         std::to_string(options.port) + options.path;
}

}  // namespace

std::optional<std::string> CheckPrometheusScraperOptions(const PrometheusScraperOptions& options) {
  if (IsHttps(options)) {
    return "scheme HTTPS is not supported: tuneup scrapes metrics over plain HTTP only";
  }
  if (!options.scheme.empty() && Lowercase(options.scheme) != "http") {
    return "scheme " + QuoteUntrusted(options.scheme) + " is not HTTP";
  }
  if (options.host.empty()) return "the host is empty";
  if (options.port == 0) return "port 0 cannot be scraped";
  const bool path_ok =
      options.path.starts_with('/') &&
      std::none_of(options.path.begin(), options.path.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) == 0x7F;
      });
  if (!path_ok) {
    return "path " + QuoteUntrusted(options.path) +
           " must start with '/' and hold no blanks or control characters";
  }
  for (const auto& [name, value] : options.headers) {
    if (!IsToken(name) || !IsHeaderValue(value)) {
      return "header " + QuoteUntrusted(name) + " is not a valid HTTP header name and value";
    }
  }
  if (options.interval.count() <= 0) return "the scrape interval must be positive";
  if (options.timeout.count() <= 0) return "the scrape timeout must be positive";
  try {
    PrometheusMatcher matcher(options.metric_names);
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

struct PrometheusScraper::State : std::enable_shared_from_this<State> {
  // What the last scrape that had a metric said about it.
  struct Seen {
    double value = 0;
    std::optional<int64_t> timestamp_ms;
  };

  State(boost::asio::io_context& io, PrometheusScraperOptions options, const Clock& clock,
        ObservationsSink on_observations, WarningSink warn)
      : io(io),
        timer(io),
        options(std::move(options)),
        clock(clock),
        url(Url(this->options)),
        matcher(this->options.metric_names),
        on_observations(std::move(on_observations)),
        warnings(std::move(warn)),
        seen(matcher.metric_names().size()) {
    text_options.max_line_bytes = this->options.max_line_bytes;
    text_options.keep_names = matcher.SeriesNames();
  }

  void Schedule(std::chrono::steady_clock::time_point at) {
    timer.expires_at(at);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      // A wait that had already expired when Finish* cancelled it still runs: hence the flags.
      if (ec || !self || self->stopped || self->in_flight || self->last_done) return;
      self->StartScrape();
    });
  }

  void StartScrape() {
    ++stats.attempts;
    started = std::chrono::steady_clock::now();
    HttpGetRequest request;
    request.host = options.host;
    request.port = options.port;
    request.target = options.path;
    request.headers = options.headers;
    request.accept = kAccept;
    request.timeout = options.timeout;
    request.max_body_bytes = options.max_body_bytes;
    in_flight = std::make_unique<HttpGet>(io, std::move(request),
                                          [weak = weak_from_this()](HttpGetResult result) {
                                            if (auto self = weak.lock())
                                              self->OnResult(std::move(result));
                                          });
  }

  void OnResult(HttpGetResult result) {
    auto keep_alive = shared_from_this();  // the callbacks below may destroy the scraper
    const std::unique_ptr<HttpGet> done_get = std::move(in_flight);
    std::vector<std::string> scrape_warnings;
    WarningLimiter limiter(
        [&scrape_warnings](std::string_view message) { scrape_warnings.emplace_back(message); },
        kWarningsPerScrape);
    std::vector<Observation> observations = Judge(result, limiter);
    PassOn(std::move(scrape_warnings));
    if (!stopped && !observations.empty()) on_observations(std::move(observations));
    if (stopped) return;
    if (last_done) {
      stopped = true;
      std::function<void()> done = std::move(last_done);
      last_done = nullptr;
      done();
      return;
    }
    Schedule(started + options.interval);
  }

  // What one scrape's result says: its new observations, its warnings to `limiter`.
  std::vector<Observation> Judge(HttpGetResult& result, WarningLimiter& limiter) {
    using Outcome = HttpGetResult::Outcome;
    if (result.outcome == Outcome::kRefused) {
      ++stats.refused;  // nothing listens yet: the next interval tries again, silently
      return {};
    }
    if (result.outcome != Outcome::kOk) return Failed(result.error, limiter);
    if (result.status != 200) {
      return Failed("HTTP " + std::to_string(result.status) + " " + QuoteUntrusted(result.reason),
                    limiter);
    }
    if (!result.content_encoding.empty() && Lowercase(result.content_encoding) != "identity") {
      return Failed("the body is " + QuoteUntrusted(result.content_encoding) +
                        "-encoded, though no encoding was accepted",
                    limiter);
    }
    ++stats.successes;
    const Timestamp now = clock.Now();
    std::vector<Observation> observations;
    const auto samples = ParsePrometheusText(result.body, text_options, limiter);
    for (const auto& match : matcher.Match(samples, limiter)) {
      std::optional<Seen>& last = seen[match.metric];
      if (last && last->value == match.value && last->timestamp_ms == match.timestamp_ms) continue;
      last = Seen{match.value, match.timestamp_ms};
      observations.push_back(matcher.ToObservation(match, now));
    }
    return observations;
  }

  std::vector<Observation> Failed(const std::string& why, WarningLimiter& limiter) {
    stats.last_failure = why;
    if (limiter.Allowed()) limiter.Emit(why + "; scrape dropped");
    return {};
  }

  // This scrape's warnings, but those the previous scrape gave too: an endpoint that answers 404
  // or serves the same garbage line at every interval is reported once, not every second.
  void PassOn(std::vector<std::string> current) {
    for (const auto& message : current) {
      if (stopped) return;
      if (std::find(previous_warnings.begin(), previous_warnings.end(), message) !=
          previous_warnings.end()) {
        continue;
      }
      if (warnings.Allowed()) warnings.Emit(url + ": " + message);
    }
    previous_warnings = std::move(current);
  }

  void Stop() {
    stopped = true;
    last_done = nullptr;
    timer.cancel();
    in_flight.reset();
  }

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  const PrometheusScraperOptions options;
  const Clock& clock;
  const std::string url;
  const PrometheusMatcher matcher;
  PrometheusTextOptions text_options;
  ObservationsSink on_observations;
  WarningLimiter warnings;
  std::vector<std::optional<Seen>> seen;  // by metric index
  std::vector<std::string> previous_warnings;
  PrometheusScrapeStats stats;
  std::unique_ptr<HttpGet> in_flight;
  std::chrono::steady_clock::time_point started;
  std::function<void()> last_done;  // FinishAfterLastScrape's callback, until it runs
  bool stopped = false;             // no more scrapes, no more callbacks
  bool destroyed = false;
};

PrometheusScraper::PrometheusScraper(boost::asio::io_context& io, PrometheusScraperOptions options,
                                     const Clock& clock, ObservationsSink on_observations,
                                     WarningSink warn) {
  if (auto problem = CheckPrometheusScraperOptions(options)) {
    throw Error(IsHttps(options) ? ErrorCode::kUnsupported : ErrorCode::kInvalidArgument,
                "cannot scrape " + Url(options) + ": " + *problem);
  }
  state_ = std::make_shared<State>(io, std::move(options), clock, std::move(on_observations),
                                   std::move(warn));
  state_->Schedule(std::chrono::steady_clock::now());
}

PrometheusScraper::~PrometheusScraper() {
  state_->destroyed = true;
  state_->Stop();
}

void PrometheusScraper::Finish() {
  state_->Stop();
}

void PrometheusScraper::FinishAfterLastScrape(std::function<void()> done) {
  State& state = *state_;
  if (state.stopped) {
    boost::asio::post(state.io, [weak = std::weak_ptr<State>(state_), done = std::move(done)] {
      auto self = weak.lock();
      if (self && !self->destroyed) done();
    });
    return;
  }
  state.last_done = std::move(done);
  state.timer.cancel();
  if (!state.in_flight) state.StartScrape();
}

const std::string& PrometheusScraper::url() const {
  return state_->url;
}

const PrometheusScrapeStats& PrometheusScraper::stats() const {
  return state_->stats;
}

std::string PrometheusScraper::NeverSucceededReason() const {
  const PrometheusScrapeStats& stats = state_->stats;
  std::string text =
      "no scrape of " + state_->url + " succeeded (" + std::to_string(stats.attempts) + " attempts";
  if (stats.attempts > 0 && stats.refused == stats.attempts) {
    text += ", all refused: nothing listened there";
  } else if (stats.refused > 0) {
    text += ", " + std::to_string(stats.refused) + " refused";
  }
  if (!stats.last_failure.empty()) text += "; last failure: " + stats.last_failure;
  return text + ")";
}

}  // namespace tuneup
