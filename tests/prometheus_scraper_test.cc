#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

// Katib's PrometheusMetric collector, the scraping half (metrics-collector/prometheus_scraper.h),
// against real servers on 127.0.0.1: the real prometheus_client (Debian's, run by
// tests/data/prometheus_exporter.py) for what a trial serves, and a canned server in this file for
// what a broken one does (404, garbage, oversized bodies, no answer at all).
#include "metrics-collector/prometheus_scraper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "common/error.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using namespace std::chrono_literals;
using tcp = boost::asio::ip::tcp;

// Debian's interpreter, which has python3-prometheus-client (the `python3` on PATH may not).
constexpr const char* kPython = "/usr/bin/python3";

// An HTTP server on 127.0.0.1 that answers every request with the same bytes, or never answers.
class CannedServer {
 public:
  explicit CannedServer(boost::asio::io_context& io)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0)) {
    Accept();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Answers with `raw` (status line, headers and body) from now on, then closes the connection.
  void Respond(std::string raw) {
    response_ = std::move(raw);
    answer_ = true;
  }
  // Reads requests but never answers them, holding their connections open.
  void NeverAnswer() { answer_ = false; }
  const std::string& last_request() const { return last_request_; }

  static std::string Ok(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    boost::asio::streambuf request;
  };

  void Accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      Serve(std::make_shared<Connection>(std::move(socket)));
      Accept();
    });
  }

  void Serve(const std::shared_ptr<Connection>& c) {
    boost::asio::async_read_until(
        c->socket, c->request, "\r\n\r\n",
        [this, c](const boost::system::error_code& ec, size_t size) {
          if (ec) return;
          auto begin = boost::asio::buffers_begin(c->request.data());
          last_request_.assign(begin, begin + static_cast<std::ptrdiff_t>(size));
          if (!answer_) {
            held_.push_back(c);
            return;
          }
          auto response = std::make_shared<std::string>(response_);
          boost::asio::async_write(c->socket, boost::asio::buffer(*response),
                                   [c, response](const boost::system::error_code&, size_t) {
                                     boost::system::error_code ignored;
                                     c->socket.shutdown(tcp::socket::shutdown_both, ignored);
                                     c->socket.close(ignored);
                                   });
        });
  }

  tcp::acceptor acceptor_;
  std::string response_ = Ok("");
  bool answer_ = true;
  std::string last_request_;
  std::vector<std::shared_ptr<Connection>> held_;
};

// A port nothing listens on (it was free a moment ago).
uint16_t UnusedPort() {
  boost::asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  return probe.local_endpoint().port();
}

// tests/data/prometheus_exporter.py: prometheus_client serving values set through a state file.
class Exporter {
 public:
  // Starts it on `port` (0: a free one it picks) with `state`, and waits until it listens.
  explicit Exporter(const std::string& state, uint16_t port = 0) {
    SetState(state);
    std::vector<std::string> argv = {
        kPython,       testing::SourcePath("tests/data/prometheus_exporter.py"),
        "--state",     state_file_,
        "--port-file", port_file_};
    if (port != 0) argv.insert(argv.end(), {"--port", std::to_string(port)});
    process_ = std::make_unique<testing::Process>(argv);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (testing::ReadFile(port_file_).empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    const std::string text = testing::ReadFile(port_file_);
    if (text.empty()) {
      ADD_FAILURE() << "the exporter never listened: " << process_->Wait(0ms).Describe();
      return;
    }
    port_ = static_cast<uint16_t>(std::stoi(text));
  }

  uint16_t port() const { return port_; }
  // Replaces the state file whole (the exporter re-reads it within 10 ms).
  void SetState(const std::string& state) {
    dir_.WriteFile("state.tmp", state);
    std::filesystem::rename(dir_.Join("state.tmp"), state_file_);
  }

 private:
  testing::TempDir dir_;
  std::string state_file_ = dir_.Join("state");
  std::string port_file_ = dir_.Join("port");
  std::unique_ptr<testing::Process> process_;
  uint16_t port_ = 0;
};

class PrometheusScraperTest : public ::testing::Test {
 protected:
  PrometheusScraperOptions Options(uint16_t port, std::vector<std::string> names = {"loss"}) {
    PrometheusScraperOptions options;
    options.port = port;
    options.metric_names = std::move(names);
    options.interval = 20ms;
    options.timeout = 2s;
    return options;
  }
  std::unique_ptr<PrometheusScraper> Scrape(PrometheusScraperOptions options) {
    return std::make_unique<PrometheusScraper>(
        io_, std::move(options), SystemClock::Instance(),
        [this](std::vector<Observation> observations) {
          ++callbacks_;
          for (auto& o : observations)
            observed_.push_back(std::move(o));
        },
        [this](std::string_view message) { warnings_.emplace_back(message); });
  }
  // Runs the loop until `done` holds, or `limit` passes.
  template <typename Done>
  bool RunUntil(Done done, std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.run_for(5ms);
      if (io_.stopped()) io_.restart();
    }
    return done();
  }
  void RunFor(std::chrono::milliseconds time) {
    RunUntil([] { return false; }, time);
  }
  // Every value observed for `metric`, in order.
  std::vector<double> Values(const std::string& metric) const {
    std::vector<double> values;
    for (const auto& o : observed_) {
      if (o.metric == metric) values.push_back(o.value);
    }
    return values;
  }
  // Waits for `n` more successful scrapes.
  bool MoreScrapes(const PrometheusScraper& scraper, int n) {
    const int64_t target = scraper.stats().successes + n;
    return RunUntil([&] { return scraper.stats().successes >= target; });
  }

  boost::asio::io_context io_;
  std::vector<Observation> observed_;
  int callbacks_ = 0;
  std::vector<std::string> warnings_;
};

TEST_F(PrometheusScraperTest, ReadsPrometheusClientAndPassesOnOnlyWhatChanged) {
  Exporter exporter(
      "gauge loss 0.5\ngauge accuracy val 0.9\ngauge accuracy train 0.8\ncounter steps 3\n"
      "observe duration 0.2\nobserve duration 0.7\n");
  ASSERT_NE(exporter.port(), 0);
  auto scraper =
      Scrape(Options(exporter.port(), {"loss", "accuracy{phase=\"val\"}", "steps_total",
                                       "duration_count", "duration_bucket{le=\"0.5\"}"}));
  const Timestamp before = SystemClock::Instance().Now();
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 5; })) << observed_.size();
  ASSERT_TRUE(MoreScrapes(*scraper, 5));  // five more scrapes of the same values: nothing new
  EXPECT_THAT(Values("loss"), ElementsAre(0.5));
  EXPECT_THAT(Values("accuracy{phase=\"val\"}"), ElementsAre(0.9));
  EXPECT_THAT(Values("steps_total"), ElementsAre(3));
  EXPECT_THAT(Values("duration_count"), ElementsAre(2));
  EXPECT_THAT(Values("duration_bucket{le=\"0.5\"}"), ElementsAre(1));
  for (const auto& o : observed_) {  // prometheus_client writes no timestamps: the scrape's time
    EXPECT_GE(o.time, before);
    EXPECT_LE(o.time, SystemClock::Instance().Now());
  }

  exporter.SetState(
      "gauge loss 0.25\ngauge accuracy val 0.9\ngauge accuracy train 0.85\ncounter steps 5\n"
      "observe duration 0.2\nobserve duration 0.7\nobserve duration 0.3\n");
  ASSERT_TRUE(RunUntil([&] { return Values("duration_bucket{le=\"0.5\"}").size() == 2; }));
  ASSERT_TRUE(RunUntil([&] { return Values("loss").size() == 2; }));
  ASSERT_TRUE(MoreScrapes(*scraper, 5));
  EXPECT_THAT(Values("loss"), ElementsAre(0.5, 0.25));
  EXPECT_THAT(Values("accuracy{phase=\"val\"}"), ElementsAre(0.9));  // train moved, val did not
  EXPECT_THAT(Values("steps_total"), ElementsAre(3, 5));
  EXPECT_THAT(Values("duration_count"), ElementsAre(2, 3));
  EXPECT_THAT(Values("duration_bucket{le=\"0.5\"}"), ElementsAre(1, 2));
  // Real output (HELP, TYPE, _created series, the process and GC collectors) reads cleanly.
  EXPECT_THAT(warnings_, IsEmpty());
  EXPECT_EQ(scraper->stats().refused, 0);
  EXPECT_LE(scraper->stats().attempts - scraper->stats().successes, 1);  // one may be in flight
}

TEST_F(PrometheusScraperTest, ABareNameWithSeveralLabelledSeriesIsWarnedOnce) {
  Exporter exporter("gauge accuracy val 0.9\ngauge accuracy train 0.8\ngauge loss 1\n");
  ASSERT_NE(exporter.port(), 0);
  auto scraper = Scrape(Options(exporter.port(), {"loss", "accuracy"}));
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  ASSERT_TRUE(MoreScrapes(*scraper, 5));
  EXPECT_THAT(Values("accuracy"), IsEmpty());
  EXPECT_THAT(warnings_, ElementsAre(scraper->url() +
                                     ": metric accuracy is ambiguous: 2 series are named accuracy "
                                     "(accuracy{phase=\"val\"}, accuracy{phase=\"train\"}); name "
                                     "one in the experiment, e.g. accuracy{phase=\"val\"}"));
}

TEST_F(PrometheusScraperTest, AServerThatIsNotUpYetIsWaitedForSilently) {
  const uint16_t port = UnusedPort();
  auto scraper = Scrape(Options(port));
  // Between two attempts (none in flight), every one so far was refused.
  ASSERT_TRUE(RunUntil([&] {
    return scraper->stats().refused >= 3 && scraper->stats().refused == scraper->stats().attempts;
  }));
  EXPECT_EQ(scraper->stats().successes, 0);
  EXPECT_THAT(warnings_, IsEmpty());
  EXPECT_EQ(scraper->NeverSucceededReason(),
            "no scrape of http://127.0.0.1:" + std::to_string(port) + "/metrics succeeded (" +
                std::to_string(scraper->stats().attempts) +
                " attempts, all refused: nothing listened there)");

  Exporter exporter("gauge loss 0.5\n", port);
  ASSERT_EQ(exporter.port(), port);
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  EXPECT_THAT(Values("loss"), ElementsAre(0.5));
  EXPECT_GE(scraper->stats().successes, 1);
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(PrometheusScraperTest, ANon200AnswerIsWarnedOnceAndDropped) {
  CannedServer server(io_);
  server.Respond("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nloss 0.5\r\n");
  auto scraper = Scrape(Options(server.port()));
  ASSERT_TRUE(RunUntil([&] { return scraper->stats().attempts >= 5; }));
  EXPECT_THAT(observed_, IsEmpty());
  EXPECT_EQ(scraper->stats().successes, 0);
  EXPECT_EQ(scraper->stats().last_failure, "HTTP 404 \"Not Found\"");
  EXPECT_THAT(warnings_, ElementsAre(scraper->url() + ": HTTP 404 \"Not Found\"; scrape dropped"));
  EXPECT_THAT(scraper->NeverSucceededReason(),
              HasSubstr("attempts; last failure: HTTP 404 \"Not Found\")"));

  // Once it answers, the warning is history; when it fails again, it is warned again.
  server.Respond(CannedServer::Ok("loss 0.5\n"));
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  server.Respond("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return warnings_.size() == 2; }));
  EXPECT_EQ(warnings_[1], scraper->url() + ": HTTP 503 \"Service Unavailable\"; scrape dropped");
}

TEST_F(PrometheusScraperTest, GarbageLinesAreWarnedOnceWhileTheRestIsRead) {
  CannedServer server(io_);
  server.Respond(CannedServer::Ok("loss 0.5\nthis is not a sample\nloss{ 1\naccuracy NaN\n"));
  auto scraper = Scrape(Options(server.port(), {"loss", "accuracy"}));
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  ASSERT_TRUE(MoreScrapes(*scraper, 5));
  EXPECT_THAT(Values("loss"), ElementsAre(0.5));
  const std::string& url = scraper->url();
  EXPECT_THAT(warnings_,
              ElementsAre(url + ": line 2: value \"is\" is not a number in \"this is not a "
                                "sample\"",
                          url + ": line 3: expected a label name or '}' in \"loss{ 1\"",
                          url + ": metric accuracy: series accuracy is NaN, not a finite number"));
}

TEST_F(PrometheusScraperTest, AResponseThatIsNotHttpIsAFailure) {
  CannedServer server(io_);
  server.Respond("loss 0.5\n");
  auto scraper = Scrape(Options(server.port()));
  ASSERT_TRUE(RunUntil([&] { return scraper->stats().attempts >= 3; }));
  EXPECT_EQ(scraper->stats().successes, 0);
  ASSERT_THAT(warnings_, SizeIs(1));
  EXPECT_THAT(warnings_[0], HasSubstr(": receive: "));
}

TEST_F(PrometheusScraperTest, OversizedBodiesAreDropped) {
  const std::string body = [] {
    std::string text;
    while (text.size() < 5000)
      text += "loss 0.5\n";
    return text;
  }();
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 10; ++i)
    chunked += "1f4\r\n" + body.substr(0, 500) + "\r\n";
  chunked += "0\r\n\r\n";

  const std::string close_delimited = "HTTP/1.0 200 OK\r\n\r\n" + body;
  for (const std::string& response : {CannedServer::Ok(body), chunked, close_delimited}) {
    warnings_.clear();
    CannedServer server(io_);
    server.Respond(response);
    PrometheusScraperOptions options = Options(server.port());
    options.max_body_bytes = 1024;
    auto scraper = Scrape(options);
    ASSERT_TRUE(RunUntil([&] { return scraper->stats().attempts >= 3; }));
    scraper->Finish();
    EXPECT_THAT(observed_, IsEmpty());
    EXPECT_EQ(scraper->stats().successes, 0);
    EXPECT_THAT(warnings_,
                ElementsAre(scraper->url() + ": body larger than 1024 bytes; scrape dropped"));
  }
}

TEST_F(PrometheusScraperTest, ChunkedAndCloseDelimitedBodiesAreRead) {
  CannedServer chunked(io_);
  chunked.Respond(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nloss \r\n4\r\n0.5\n\r\n0\r\n\r\n");
  CannedServer close_delimited(io_);
  close_delimited.Respond("HTTP/1.0 200 OK\r\n\r\nloss 0.25\n");
  auto a = Scrape(Options(chunked.port()));
  auto b = Scrape(Options(close_delimited.port()));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 2; }));
  EXPECT_THAT(Values("loss"), ::testing::UnorderedElementsAre(0.5, 0.25));
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(PrometheusScraperTest, AServerThatNeverAnswersTimesOut) {
  CannedServer server(io_);
  server.NeverAnswer();
  PrometheusScraperOptions options = Options(server.port());
  options.timeout = 100ms;
  auto scraper = Scrape(options);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil([&] { return !scraper->stats().last_failure.empty(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_TRUE(RunUntil([&] { return scraper->stats().attempts >= 3; }));
  EXPECT_EQ(scraper->stats().successes, 0);
  EXPECT_EQ(scraper->stats().last_failure, "no complete response within 100 ms");
  EXPECT_THAT(warnings_,
              ElementsAre(scraper->url() + ": no complete response within 100 ms; scrape dropped"));
}

TEST_F(PrometheusScraperTest, TheRequestAsksForTheTextFormatWithTheExperimentsHeaders) {
  CannedServer server(io_);
  server.Respond(CannedServer::Ok("loss 1\n"));
  PrometheusScraperOptions options = Options(server.port());
  options.path = "/custom/metrics?x=1";
  options.headers = {{"Authorization", "Bearer abc"}, {"X-Trial", "t1"}};
  auto scraper = Scrape(options);
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  const std::string& request = server.last_request();
  EXPECT_TRUE(request.starts_with("GET /custom/metrics?x=1 HTTP/1.1\r\n")) << request;
  EXPECT_THAT(request, HasSubstr("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
  EXPECT_THAT(request, HasSubstr("Accept: text/plain;version=0.0.4"));
  EXPECT_THAT(request, HasSubstr("Authorization: Bearer abc\r\n"));
  EXPECT_THAT(request, HasSubstr("X-Trial: t1\r\n"));
  EXPECT_EQ(scraper->url(),
            "http://127.0.0.1:" + std::to_string(server.port()) + "/custom/metrics?x=1");
}

TEST_F(PrometheusScraperTest, ANewExplicitTimestampIsANewObservation) {
  CannedServer server(io_);
  server.Respond(CannedServer::Ok("loss 0.5 1700000000000\n"));
  auto scraper = Scrape(Options(server.port()));
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  ASSERT_TRUE(MoreScrapes(*scraper, 3));
  server.Respond(CannedServer::Ok("loss 0.5 1700000001000\n"));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 2; }));
  ASSERT_TRUE(MoreScrapes(*scraper, 3));
  ASSERT_THAT(observed_, SizeIs(2));
  EXPECT_EQ(observed_[0].time, Timestamp(1'700'000'000'000ms));
  EXPECT_EQ(observed_[1].time, Timestamp(1'700'000'001'000ms));
}

TEST_F(PrometheusScraperTest, FinishStopsAtOnce) {
  CannedServer server(io_);
  server.Respond(CannedServer::Ok("loss 0.5\n"));
  auto scraper = Scrape(Options(server.port()));
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  scraper->Finish();
  const int64_t attempts = scraper->stats().attempts;
  server.Respond(CannedServer::Ok("loss 0.25\n"));
  RunFor(100ms);
  EXPECT_EQ(scraper->stats().attempts, attempts);
  EXPECT_THAT(Values("loss"), ElementsAre(0.5));
}

TEST_F(PrometheusScraperTest, NoCallbackRunsAfterDestruction) {
  CannedServer server(io_);
  server.NeverAnswer();
  PrometheusScraperOptions options = Options(server.port());
  options.timeout = 50ms;
  auto scraper = Scrape(options);
  ASSERT_TRUE(RunUntil([&] { return !server.last_request().empty(); }));  // one in flight
  scraper.reset();
  RunFor(150ms);  // past its timeout
  EXPECT_THAT(warnings_, IsEmpty());
  EXPECT_EQ(callbacks_, 0);
}

TEST_F(PrometheusScraperTest, FinishAfterLastScrapeScrapesOnceMore) {
  CannedServer server(io_);
  server.Respond(CannedServer::Ok("loss 0.5\n"));
  PrometheusScraperOptions options = Options(server.port());
  options.interval = 1h;  // only the first scrape, then the last one
  auto scraper = Scrape(options);
  ASSERT_TRUE(RunUntil([&] { return !observed_.empty(); }));
  server.Respond(CannedServer::Ok("loss 0.25\n"));
  bool done = false;
  scraper->FinishAfterLastScrape([&] { done = true; });
  EXPECT_FALSE(done);  // never inside the call
  ASSERT_TRUE(RunUntil([&] { return done; }));
  EXPECT_THAT(Values("loss"), ElementsAre(0.5, 0.25));
  EXPECT_EQ(scraper->stats().attempts, 2);
  RunFor(50ms);
  EXPECT_EQ(scraper->stats().attempts, 2);

  // Already finished: `done` still runs, on the loop.
  bool again = false;
  scraper->FinishAfterLastScrape([&] { again = true; });
  EXPECT_FALSE(again);
  ASSERT_TRUE(RunUntil([&] { return again; }));
  EXPECT_EQ(scraper->stats().attempts, 2);
}

TEST_F(PrometheusScraperTest, FinishAfterLastScrapeWhenTheServerIsGone) {
  auto scraper = Scrape(Options(UnusedPort()));
  ASSERT_TRUE(RunUntil([&] { return scraper->stats().attempts >= 2; }));
  bool done = false;
  scraper->FinishAfterLastScrape([&] { done = true; });
  ASSERT_TRUE(RunUntil([&] { return done; }));
  const int64_t attempts = scraper->stats().attempts;
  EXPECT_EQ(scraper->stats().refused, attempts);
  RunFor(60ms);
  EXPECT_EQ(scraper->stats().attempts, attempts);
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(PrometheusScraperTest, HttpsAndOtherUnscrapableOptionsAreClearErrors) {
  PrometheusScraperOptions https = Options(8080);
  https.scheme = "HTTPS";
  EXPECT_EQ(CheckPrometheusScraperOptions(https),
            "scheme HTTPS is not supported: tuneup scrapes metrics over plain HTTP only");
  try {
    Scrape(https);
    ADD_FAILURE() << "HTTPS accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_THAT(e.what(), HasSubstr("cannot scrape http://127.0.0.1:8080/metrics: scheme HTTPS"));
  }

  auto problem = [&](auto change) {
    PrometheusScraperOptions options = Options(8080);
    change(options);
    return CheckPrometheusScraperOptions(options).value_or("(none)");
  };
  EXPECT_EQ(problem([](auto&) {}), "(none)");
  EXPECT_EQ(problem([](auto& o) { o.scheme = "http"; }), "(none)");
  EXPECT_EQ(problem([](auto& o) { o.scheme = ""; }), "(none)");
  EXPECT_EQ(problem([](auto& o) { o.scheme = "ftp"; }), "scheme \"ftp\" is not HTTP");
  EXPECT_EQ(problem([](auto& o) { o.host = ""; }), "the host is empty");
  EXPECT_EQ(problem([](auto& o) { o.port = 0; }), "port 0 cannot be scraped");
  EXPECT_THAT(problem([](auto& o) { o.path = "metrics"; }), HasSubstr("must start with '/'"));
  EXPECT_THAT(problem([](auto& o) { o.path = "/a b"; }), HasSubstr("no blanks"));
  EXPECT_THAT(problem([](auto& o) {
                o.headers = {{"X-A", "1\r\nX-B: 2"}};
              }),
              HasSubstr("header \"X-A\" is not a valid"));
  EXPECT_THAT(problem([](auto& o) {
                o.headers = {{"Bad Name", "1"}};
              }),
              HasSubstr("header \"Bad Name\""));
  EXPECT_EQ(problem([](auto& o) { o.interval = 0ms; }), "the scrape interval must be positive");
  EXPECT_EQ(problem([](auto& o) { o.timeout = 0ms; }), "the scrape timeout must be positive");
  EXPECT_THAT(problem([](auto& o) {
                o.metric_names = {"loss", "Validation-accuracy"};
              }),
              HasSubstr("metric \"Validation-accuracy\" cannot be scraped"));
  try {
    PrometheusScraperOptions options = Options(8080);
    options.port = 0;
    Scrape(options);
    ADD_FAILURE() << "port 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tuneup
