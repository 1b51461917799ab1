// TimedSuggest (suggestion/timed_suggest.h): every call that returns is reported with the
// algorithm's name and how long it took; one that throws is not.
#include "suggestion/timed_suggest.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "tests/support/recording_suggestion_observer.h"

namespace tuneup {
namespace {

using namespace std::chrono_literals;

// Proposes `count` empty assignments after thinking for `think`, or throws when told to.
class SlowAlgorithm final : public Algorithm {
 public:
  explicit SlowAlgorithm(std::chrono::milliseconds think, bool fail = false)
      : think_(think), fail_(fail) {}
  SuggestReply Suggest(std::span<const Trial> /*trials*/, int count) override {
    std::this_thread::sleep_for(think_);
    if (fail_) throw Error(ErrorCode::kInternal, "no idea");
    SuggestReply reply;
    reply.proposals.resize(static_cast<size_t>(count));
    return reply;
  }

 private:
  std::chrono::milliseconds think_;
  bool fail_;
};

TEST(TimedSuggestTest, ReportsTheAlgorithmAndHowLongItTook) {
  SlowAlgorithm algorithm(30ms);
  testing::RecordingSuggestionObserver observer;
  SuggestReply reply = TimedSuggest(algorithm, "random", {}, 2, &observer);
  EXPECT_EQ(reply.proposals.size(), 2u);
  auto calls = observer.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, "random");
  EXPECT_GE(calls[0].second, 30ms);
  EXPECT_LT(calls[0].second, 10s);
}

TEST(TimedSuggestTest, ACallThatThrowsIsNotReported) {
  SlowAlgorithm algorithm(0ms, /*fail=*/true);
  testing::RecordingSuggestionObserver observer;
  EXPECT_THROW(TimedSuggest(algorithm, "grid", {}, 1, &observer), Error);
  EXPECT_TRUE(observer.calls().empty());
}

TEST(TimedSuggestTest, WithoutAnObserverItIsJustSuggest) {
  SlowAlgorithm algorithm(0ms);
  EXPECT_EQ(TimedSuggest(algorithm, "random", {}, 3, nullptr).proposals.size(), 3u);
}

}  // namespace
}  // namespace tuneup
