// What the Slurm executor submits, without a cluster: the sbatch command line (placement,
// priority mapping, resources), the batch script and its quoting of odd paths (run through a
// real sh), job names, sbatch's output, and the tuneup.dev/slurm-* annotations.
#include "controller/slurm_sbatch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "controller/slurm_resources.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;

TrialJob Job() {
  TrialJob job;
  job.experiment = "exp";
  job.trial = "exp-abc123";
  job.attempt = 2;
  job.argv = {"python3", "train.py", "--lr=0.1"};
  job.trial_dir = "/work/trials/exp-abc123";
  job.working_dir = "/work";
  return job;
}

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

// The arguments of `argv` that start with `prefix`.
std::vector<std::string> WithPrefix(const std::vector<std::string>& argv,
                                    const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& arg : argv)
    if (arg.rfind(prefix, 0) == 0) found.push_back(arg);
  return found;
}

TEST(SbatchArgvTest, HeldParsableNamedInTheTrialDirectory) {
  TrialJob job = Job();
  std::vector<std::string> argv = SbatchArgv(job, SlurmOptions{}, "/work/trials/exp-abc123/job.sh");
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv.front(), "sbatch");
  EXPECT_EQ(argv.back(), "/work/trials/exp-abc123/job.sh");
  EXPECT_TRUE(Has(argv, "--parsable"));
  EXPECT_TRUE(Has(argv, "--hold"));
  EXPECT_TRUE(Has(argv, "--job-name=" + SlurmJobName(job)));
  EXPECT_TRUE(Has(argv, "--chdir=/work/trials/exp-abc123"));
  EXPECT_TRUE(Has(argv, "--output=/work/trials/exp-abc123/slurm-%j.out"));
  EXPECT_TRUE(Has(argv, "--error=/work/trials/exp-abc123/slurm-%j.err"));
  // Nothing asked for, nothing passed: Slurm's defaults apply.
  for (const char* option : {"--partition", "--qos", "--account", "--time", "--nice",
                             "--cpus-per-task", "--mem", "--gres"}) {
    EXPECT_TRUE(WithPrefix(argv, option).empty()) << option;
  }
  // The trial's argv is never on sbatch's command line.
  EXPECT_FALSE(Has(argv, "--lr=0.1"));
  EXPECT_FALSE(Has(argv, "train.py"));
}

TEST(SbatchArgvTest, OddTrialDirectoryStaysOneArgumentAndPercentIsEscaped) {
  TrialJob job = Job();
  job.trial_dir = "/w/it's a \"dir\" $(x) 100%";
  std::vector<std::string> argv = SbatchArgv(job, SlurmOptions{}, job.trial_dir + "/job.sh");
  EXPECT_TRUE(Has(argv, "--chdir=/w/it's a \"dir\" $(x) 100%"));
  // sbatch expands %j in file names; a literal % is written %%.
  EXPECT_TRUE(Has(argv, "--output=/w/it's a \"dir\" $(x) 100%%/slurm-%j.out"));
  EXPECT_TRUE(Has(argv, "--error=/w/it's a \"dir\" $(x) 100%%/slurm-%j.err"));
}

TEST(SbatchArgvTest, PlacementFromOptions) {
  SlurmOptions options;
  options.partition = "batch";
  options.qos = "normal";
  options.account = "ml";
  options.time = "1:00:00";
  std::vector<std::string> argv = SbatchArgv(Job(), options, "/s");
  EXPECT_TRUE(Has(argv, "--partition=batch"));
  EXPECT_TRUE(Has(argv, "--qos=normal"));
  EXPECT_TRUE(Has(argv, "--account=ml"));
  EXPECT_TRUE(Has(argv, "--time=1:00:00"));
  EXPECT_TRUE(WithPrefix(argv, "--nice").empty());
}

TEST(SlurmPlacementTest, PriorityMapsToItsPartitionQosAndNice) {
  SlurmOptions options;
  options.partition = "batch";
  options.qos = "normal";
  options.low_partition = "scavenger";
  options.low_qos = "background";
  options.high_qos = "urgent";
  TrialJob job = Job();
  job.priority = Priority::kLow;
  EXPECT_EQ(SlurmPlacementFor(job, options),
            (SlurmPlacement{"scavenger", "background", "", "", 10'000}));
  job.priority = Priority::kHigh;
  // No high partition configured: the default partition, the high QOS, no nice.
  EXPECT_EQ(SlurmPlacementFor(job, options), (SlurmPlacement{"batch", "urgent", "", "", 0}));
  job.priority = Priority::kNormal;
  EXPECT_EQ(SlurmPlacementFor(job, options), (SlurmPlacement{"batch", "normal", "", "", 0}));
  options.low_nice = 50;
  options.low_partition.clear();
  job.priority = Priority::kLow;
  EXPECT_EQ(SlurmPlacementFor(job, options), (SlurmPlacement{"batch", "background", "", "", 50}));
}

TEST(SlurmPlacementTest, AnnotationsWinOverOptionsAndPriority) {
  SlurmOptions options;
  options.partition = "batch";
  options.low_partition = "scavenger";
  options.account = "default-account";
  options.time = "10";
  TrialJob job = Job();
  job.priority = Priority::kLow;
  job.slurm = SlurmSettings{"gpu", "tuning", "ml-team", "2-00:00:00"};
  EXPECT_EQ(SlurmPlacementFor(job, options),
            (SlurmPlacement{"gpu", "tuning", "ml-team", "2-00:00:00", 10'000}));
  std::vector<std::string> argv = SbatchArgv(job, options, "/s");
  EXPECT_EQ(WithPrefix(argv, "--partition"), std::vector<std::string>{"--partition=gpu"});
  EXPECT_TRUE(Has(argv, "--nice=10000"));
}

TEST(SbatchArgvTest, ResourcesLimitsBeforeRequests) {
  TrialJob job = Job();
  job.resources = Json::parse(R"({
      "requests": {"cpu": "500m", "memory": "256Mi", "nvidia.com/gpu": 1},
      "limits": {"cpu": "1500m", "nvidia.com/gpu": "2"}})");
  std::vector<std::string> argv = SbatchArgv(job, SlurmOptions{}, "/s");
  EXPECT_TRUE(Has(argv, "--cpus-per-task=2"));
  EXPECT_TRUE(Has(argv, "--mem=256M"));  // no memory limit: the request
  EXPECT_TRUE(Has(argv, "--gres=gpu:2"));
}

TEST(SlurmResourcesTest, CpuRoundsUpToWholeCpus) {
  auto cpus = [](Json value) { return SlurmResourcesOf({{"limits", {{"cpu", value}}}}).cpus; };
  EXPECT_EQ(cpus("500m"), 1);
  EXPECT_EQ(cpus("1000m"), 1);
  EXPECT_EQ(cpus("1001m"), 2);
  EXPECT_EQ(cpus("2"), 2);
  EXPECT_EQ(cpus(4), 4);
  EXPECT_EQ(cpus(0.5), 1);
  EXPECT_EQ(cpus("1.5"), 2);
  EXPECT_EQ(cpus("0.1"), 1);
  EXPECT_EQ(cpus("3e0"), 3);
  EXPECT_EQ(cpus("0"), 0);
}

TEST(SlurmResourcesTest, MemoryInMebibytesRoundedUp) {
  auto mem = [](Json value) {
    return SlurmResourcesOf({{"requests", {{"memory", value}}}}).memory_mb;
  };
  EXPECT_EQ(mem("512Mi"), 512);
  EXPECT_EQ(mem("2Gi"), 2048);
  EXPECT_EQ(mem("1Ti"), 1024 * 1024);
  EXPECT_EQ(mem("1G"), 954);  // 10^9 bytes = 953.67 MiB
  EXPECT_EQ(mem("1000M"), 954);
  EXPECT_EQ(mem("1024Ki"), 1);
  EXPECT_EQ(mem("1025Ki"), 2);
  EXPECT_EQ(mem("129e6"), 124);  // 129,000,000 bytes = 123.02 MiB
  EXPECT_EQ(mem("128974848"), 123);
  EXPECT_EQ(mem(134217728), 128);
  EXPECT_EQ(mem("1.5Gi"), 1536);
  EXPECT_EQ(mem("100k"), 1);
}

TEST(SlurmResourcesTest, NothingAskedForNothingPassed) {
  EXPECT_EQ(SlurmResourcesOf(Json()), SlurmResources{});
  EXPECT_EQ(SlurmResourcesOf(Json::object()), SlurmResources{});
  EXPECT_EQ(SlurmResourcesOf({{"limits", {{"ephemeral-storage", "1Gi"}}}}), SlurmResources{});
}

TEST(SlurmResourcesTest, BadQuantitiesNameTheField) {
  auto message = [](const Json& resources) {
    try {
      SlurmResourcesOf(resources);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      message({{"limits", {{"memory", "lots"}}}}),
      "resources.limits.memory: must be a memory quantity such as 512Mi, 2Gi or 1G, got lots");
  EXPECT_EQ(message({{"requests", {{"cpu", "-1"}}}}),
            "resources.requests.cpu: must be a CPU quantity such as 2, 1.5 or 500m, got -1");
  EXPECT_EQ(message({{"limits", {{"nvidia.com/gpu", "1.5"}}}}),
            "resources.limits.nvidia.com/gpu: must be a whole number of GPUs, got 1.5");
  EXPECT_EQ(message({{"limits", {{"cpu", "2Xi"}}}}).substr(0, 22), "resources.limits.cpu: ");
  EXPECT_EQ(message({{"limits", {{"memory", "99999999999999999999999999Ei"}}}}).substr(0, 25),
            "resources.limits.memory: ");
  EXPECT_THROW(SbatchArgv(
                   [] {
                     TrialJob job = Job();
                     job.resources = {{"limits", {{"cpu", "many"}}}};
                     return job;
                   }(),
                   SlurmOptions{}, "/s"),
               Error);
}

TEST(SlurmResourcesTest, QuantityGrammar) {
  EXPECT_EQ(QuantityCeil("1Ki", 1), 1024);
  EXPECT_EQ(QuantityCeil("1k", 1), 1000);
  EXPECT_EQ(QuantityCeil("1E", 1), 1'000'000'000'000'000'000);
  EXPECT_EQ(QuantityCeil("1E3", 1), 1000);
  EXPECT_EQ(QuantityCeil("1e-3", 1, 1000), 1);
  EXPECT_EQ(QuantityCeil("+2", 1), 2);
  EXPECT_EQ(QuantityCeil("5n", 1), 1);
  EXPECT_EQ(QuantityCeil("", 1), std::nullopt);
  EXPECT_EQ(QuantityCeil(".", 1), std::nullopt);
  EXPECT_EQ(QuantityCeil("1.2.3", 1), std::nullopt);
  EXPECT_EQ(QuantityCeil("1 Gi", 1), std::nullopt);
  EXPECT_EQ(QuantityCeil("1Ei", 1, 1), int64_t{1} << 60);
  EXPECT_EQ(QuantityCeil("16Ei", 1), std::nullopt);  // beyond int64
}

TEST(SlurmJobNameTest, SameAttemptSameNameOtherwiseDifferent) {
  TrialJob job = Job();
  const std::string name = SlurmJobName(job);
  EXPECT_EQ(name.rfind("tuneup.exp.exp-abc123.2.", 0), 0u) << name;
  EXPECT_EQ(name.size(), std::string("tuneup.exp.exp-abc123.2.").size() + 8);
  EXPECT_EQ(SlurmJobName(job), name);
  TrialJob next = job;
  next.attempt = 3;
  EXPECT_NE(SlurmJobName(next), name);
  TrialJob elsewhere = job;
  elsewhere.trial_dir = "/other/trials/exp-abc123";
  EXPECT_NE(SlurmJobName(elsewhere), name);
  TrialJob odd = job;
  odd.trial = "a,b c";
  EXPECT_EQ(SlurmJobName(odd).find_first_of(", \n"), std::string::npos);
}

TEST(ParseSbatchJobIdTest, PlainClusterAndWarnings) {
  EXPECT_EQ(ParseSbatchJobId("123\n"), 123);
  EXPECT_EQ(ParseSbatchJobId("77;cluster\n"), 77);
  EXPECT_EQ(ParseSbatchJobId("sbatch: warning: something\n42\n"), 42);
  EXPECT_EQ(ParseSbatchJobId(""), std::nullopt);
  EXPECT_EQ(ParseSbatchJobId("Submitted batch job 5\n"), std::nullopt);
  EXPECT_EQ(ParseSbatchJobId("0\n"), std::nullopt);
}

// The script really run by sh: the two paths arrive as two literal arguments.
TEST(BatchScriptTest, ShellReadsOddPathsLiterally) {
  testing::TempDir dir;
  const std::string keeper = dir.Join("keeper.sh");
  {
    std::ofstream out(keeper);
    out << "#!/bin/sh\nfor a in \"$0\" \"$@\"; do printf '[%s]\\n' \"$a\"; done\n";
  }
  fs::permissions(keeper, fs::perms::owner_all);
  const std::string odd_dir = dir.Join("it's a \"dir\" $(touch x) `y` \\ ; *");
  fs::create_directories(odd_dir);
  const std::string odd_keeper = odd_dir + "/keeper $HOME.sh";
  fs::copy_file(keeper, odd_keeper);
  const std::string spec = odd_dir + "/job.json";
  const std::string script_path = dir.Join("job.sh");
  {
    std::ofstream out(script_path);
    out << BatchScript(odd_keeper, spec);
  }
  const std::string output_path = dir.Join("out.txt");
  const std::string command = "cd " + ShellQuote(dir.path().string()) + " && sh job.sh > out.txt";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(testing::ReadFile(output_path), "[" + odd_keeper + "]\n[" + spec + "]\n");
  EXPECT_FALSE(fs::exists(dir.Join("x")));
  EXPECT_EQ(ShellQuote("a'b"), "'a'\\''b'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(SlurmAnnotationsTest, ReadIntoSettings) {
  Experiment experiment;
  experiment.metadata.annotations = {{"tuneup.dev/slurm-partition", "gpu,gpu-large"},
                                     {"tuneup.dev/slurm-qos", "tuning"},
                                     {"tuneup.dev/slurm-account", "ml_team.2"},
                                     {"tuneup.dev/slurm-time", "1-12:30:00"}};
  FieldErrors errors;
  TuneupSettings settings = ReadTuneupSettings(experiment, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(settings.slurm, (SlurmSettings{"gpu,gpu-large", "tuning", "ml_team.2", "1-12:30:00"}));
}

TEST(SlurmAnnotationsTest, TimeLimitForms) {
  for (const char* good :
       {"30", "30:00", "1:30:00", "2-0", "2-12:00", "2-12:00:00", "infinite", "UNLIMITED"})
    EXPECT_TRUE(IsSlurmTimeLimit(good)) << good;
  for (const char* bad : {"", "1h", "1:2:3:4", "-1", "1-", "1-2-3", ":", "1::2", "1 2"})
    EXPECT_FALSE(IsSlurmTimeLimit(bad)) << bad;
  EXPECT_TRUE(IsSlurmName("a,b", /*list=*/true));
  EXPECT_FALSE(IsSlurmName("a,b"));
  EXPECT_FALSE(IsSlurmName("a,,b", true));
  EXPECT_FALSE(IsSlurmName(",a", true));
}

}  // namespace
}  // namespace tuneup
