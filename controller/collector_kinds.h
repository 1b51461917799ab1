// The TrialCollector of each kind (controller/trial_collector.h), for TrialCollector::Make.
#pragma once

#include <memory>

#include "controller/trial_collector.h"

namespace tuneup {

std::unique_ptr<TrialCollector> MakeStdOutCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakeFileCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakeCustomCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakePushCollector(const CollectorContext& context);

}  // namespace tuneup
