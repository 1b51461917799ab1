#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <boost/asio/steady_timer.hpp>

#include "common/error.h"
#include "controller/collector_kinds.h"

namespace tuneup {

namespace {

// Katib's Push (and None) collectors: the trial stores its observations itself; they are read
// back from the store at every poll. Reading them all again is simple and cheap at the sizes a
// trial reports (max_observations bounds it), and needs nothing from the store but its query.
class PushCollector : public TrialCollector {
 public:
  explicit PushCollector(const CollectorContext& context)
      : TrialCollector(context, {}), timer_(*context.io) {}

  void Start() override { Arm(); }

  void Finish(const JobResult& result, const std::function<void()>& done) override {
    timer_.cancel();
    finished_ = true;
    Poll();  // what the trial reported just before it ended
    TrialCollector::Finish(result, done);
  }

  std::string MissingObjectiveMessage() const override {
    const std::string& metric = context_.experiment->spec.objective->objective_metric_name;
    return "exited 0 without reporting the objective metric \"" + metric +
           "\" (with collector kind " + Kind() +
           " the trial reports it itself, e.g. `tuneup "
           "report " +
           metric +
           "=0.9`, which finds the trial through KATIB_TRIAL_NAME and the "
           "store through TUNEUP_DB)";
  }

 private:
  std::string Kind() const {
    return context_.experiment->spec.metrics_collector_spec->collector->kind;
  }

  void Arm() {
    timer_.expires_after(context_.options.poll_interval);
    // The timer belongs to this collector: cancelled (operation_aborted) when it is destroyed.
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error || finished_) return;
      Poll();
      Arm();
    });
  }

  void Poll() {
    std::vector<Observation> all;
    try {
      all = context_.store->GetObservations(context_.request.trial_name, std::nullopt,
                                            context_.attempt);
    } catch (const Error& e) {
      // Once per outage, not at every poll: the runner reports the outage itself.
      if (!std::exchange(read_failing_, true) && context_.warn)
        context_.warn(std::string("cannot read pushed observations: ") + e.what());
      return;
    }
    read_failing_ = false;
    if (all.size() <= seen_) return;
    std::vector<Observation> fresh(all.begin() + static_cast<std::ptrdiff_t>(seen_), all.end());
    seen_ = all.size();
    Add(std::move(fresh), /*already_stored=*/true);
  }

  boost::asio::steady_timer timer_;
  size_t seen_ = 0;  // observations of this attempt already read
  bool finished_ = false;
  bool read_failing_ = false;  // the last poll could not read the store
};

}  // namespace

std::unique_ptr<TrialCollector> MakePushCollector(const CollectorContext& context) {
  return std::make_unique<PushCollector>(context);
}

}  // namespace tuneup
