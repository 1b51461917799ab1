// The TrialCollector of each kind (controller/trial_collector.h), for TrialCollector::Make.
#pragma once

#include <memory>

#include "controller/trial_collector.h"
#include "metrics-collector/prometheus_scraper.h"

namespace tuneup {

std::unique_ptr<TrialCollector> MakeStdOutCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakeFileCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakeCustomCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakePushCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakePrometheusCollector(const CollectorContext& context);
std::unique_ptr<TrialCollector> MakeTfEventCollector(const CollectorContext& context);

// What the PrometheusMetric collector of `experiment` scrapes (Katib defaults applied: httpGet
// is set): its declared port, path, scheme, headers and metric names.
PrometheusScraperOptions PrometheusOptionsFor(const Experiment& experiment);

}  // namespace tuneup
