// The TensorFlowEvent collector against a real writer: event files written by tensorboardX (from
// the test virtualenv, tests/requirements.txt) with scalars, scalar tensors, histograms and text
// in train/ and validation/, read back by EventDirectoryFollower value for value, in order, with
// their wall times; and a writer still writing while it is followed.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "metrics-collector/event_directory_follower.h"
#include "tests/support/process.h"
#include "tests/support/run_until.h"
#include "tests/support/test_support.h"
#include "tests/support/test_venv.h"

namespace tuneup {
namespace {

using ::testing::SizeIs;
using namespace std::chrono_literals;

double Seconds(Timestamp time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

class TensorboardXTest : public ::testing::Test {
 protected:
  void SetUp() override {
    venv_ = testing::FindTestVenv();
    if (!venv_.unavailable.empty()) GTEST_SKIP() << venv_.unavailable;
    ASSERT_TRUE(venv_.error.empty()) << venv_.error;
  }

  std::vector<std::string> Writer(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {venv_.python,
                                     testing::SourcePath("tests/support/tensorboardx_writer.py")};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  std::unique_ptr<EventDirectoryFollower> Follow(std::vector<std::string> metrics) {
    EventDirectoryFollowerOptions options;
    options.path = logdir_;
    options.metric_names = std::move(metrics);
    options.poll_interval = 5ms;
    return std::make_unique<EventDirectoryFollower>(
        io_, options, clock_,
        [this](const std::vector<Observation>& batch) {
          for (auto& o : batch)
            by_metric_[o.metric].push_back(o);
          observed_ += batch.size();
        },
        [this](std::string_view message) { warnings_.emplace_back(message); });
  }

  // Python starts slowly on a busy machine.
  template <typename Done>
  bool RunUntil(Done done) {
    return testing::RunUntil(io_, done, 30s);
  }

  testing::TestVenv venv_;
  testing::TempDir dir_;
  std::string logdir_ = dir_.Join("logs");
  SystemClock clock_;
  boost::asio::io_context io_;
  std::map<std::string, std::vector<Observation>> by_metric_;
  size_t observed_ = 0;
  std::vector<std::string> warnings_;
};

TEST_F(TensorboardXTest, EveryValueInOrderWithItsWallTime) {
  const std::string expected_path = dir_.Join("expected.json");
  const testing::ProcessResult written =
      testing::RunProcess(Writer({"write", logdir_, expected_path}));
  ASSERT_EQ(written.exit_code, 0) << written.Describe();
  const nlohmann::json expected = nlohmann::json::parse(testing::ReadFile(expected_path));

  size_t total = 0;
  for (const auto& [metric, list] : expected["observations"].items())
    total += list.size();
  auto follower = Follow(expected["metrics"].get<std::vector<std::string>>());
  ASSERT_TRUE(RunUntil([&] { return observed_ >= total; })) << observed_ << " of " << total;
  follower->Finish();

  EXPECT_THAT(follower->files(), SizeIs(2));
  EXPECT_EQ(observed_, total);
  for (const auto& [metric, list] : expected["observations"].items()) {
    const std::vector<Observation>& got = by_metric_[metric];
    ASSERT_THAT(got, SizeIs(list.size())) << metric;
    for (size_t i = 0; i < list.size(); ++i) {
      const nlohmann::json& want = list[i];
      EXPECT_EQ(got[i].value, want["value"].get<double>()) << metric << " #" << i;
      const double seconds = Seconds(got[i].time);
      if (want.contains("wall_time")) {
        EXPECT_NEAR(seconds, want["wall_time"].get<double>(), 1e-6) << metric << " #" << i;
      } else {
        EXPECT_GE(seconds, want["wall_time_min"].get<double>() - 1e-6) << metric << " #" << i;
        EXPECT_LE(seconds, want["wall_time_max"].get<double>() + 1e-6) << metric << " #" << i;
      }
    }
  }
  // The text summaries (one per step) and the 2-element tensor start like metrics: each is
  // skipped with a warning. The histograms are no metric values at all: nothing is said.
  int text = 0;
  int matrix = 0;
  for (const auto& warning : warnings_) {
    if (warning.find("tag \"accuracy_note/text_summary\": a string tensor, not a number; "
                     "skipped") != std::string::npos) {
      ++text;
    } else if (warning.find("tag \"tensor_loss_matrix\": a tensor of shape [2], not a scalar; "
                            "skipped") != std::string::npos) {
      ++matrix;
    } else {
      ADD_FAILURE() << "unexpected warning: " << warning;
    }
  }
  EXPECT_EQ(text, 5);
  EXPECT_EQ(matrix, 1);
}

TEST_F(TensorboardXTest, AWriterIsFollowedWhileItWrites) {
  constexpr int kSteps = 5;
  const std::string acks = dir_.Join("acks");
  std::filesystem::create_directories(acks);
  testing::Process writer(Writer({"live", logdir_, acks, std::to_string(kSteps)}));
  auto follower = Follow({"accuracy"});
  for (int step = 1; step <= kSteps; ++step) {
    // The writer waits for this step's acknowledgement before it writes the next one.
    ASSERT_TRUE(RunUntil([&] { return observed_ == static_cast<size_t>(step); }))
        << "step " << step << " not seen; " << writer.Wait(1s).Describe();
    std::ofstream(acks + "/ack-" + std::to_string(step)) << "";
  }
  const testing::ProcessResult result = writer.Wait(60s);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  follower->Finish();

  const std::vector<Observation>& got = by_metric_["accuracy"];
  ASSERT_THAT(got, SizeIs(kSteps));
  for (int step = 1; step <= kSteps; ++step) {
    EXPECT_EQ(got[step - 1].value, static_cast<float>(static_cast<double>(step) / kSteps));
    EXPECT_NEAR(Seconds(got[step - 1].time), 1'700'000'000.0 + step, 1e-6);
  }
  EXPECT_THAT(warnings_, ::testing::IsEmpty());
}

}  // namespace
}  // namespace tuneup
