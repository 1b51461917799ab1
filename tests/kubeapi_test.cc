// The Kubernetes API slice of `tuneup serve` (kubeapi/): selectors, the object cache and its
// watch events, Katib's objects and status fields, tables, kubeconfigs, and the service itself
// over HTTPS with a real store.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <chrono>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <boost/asio/io_context.hpp>

#include "api/manifest.h"
#include "controller/kube_client.h"
#include "controller/manifest_check.h"
#include "db/sqlite_store.h"
#include "kubeapi/katib_objects.h"
#include "kubeapi/kube_api_service.h"
#include "kubeapi/kube_table.h"
#include "kubeapi/kubeconfig_file.h"
#include "kubeapi/object_cache.h"
#include "kubeapi/selectors.h"
#include "net/self_signed.h"
#include "suggestion/registry.h"
#include "tests/support/run_until.h"
#include "tests/support/test_support.h"

namespace tuneup::kubeapi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Json Labelled(const std::string& name, Json labels) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}, {"labels", labels}}}};
}

TEST(LabelSelectorTest, MatchesEqualityNegationSetsAndExistence) {
  const Json object = Labelled("a", {{"app", "x"}, {"tier", "web"}});
  EXPECT_TRUE(LabelSelector::Parse("").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("app=x").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("app==x,tier=web").Matches(object));
  EXPECT_FALSE(LabelSelector::Parse("app=y").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("app!=y").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("missing!=y").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("tier in (db, web)").Matches(object));
  EXPECT_FALSE(LabelSelector::Parse("tier notin (db,web)").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("app").Matches(object));
  EXPECT_FALSE(LabelSelector::Parse("!app").Matches(object));
  EXPECT_TRUE(LabelSelector::Parse("!legacy, app in (x)").Matches(object));
}

TEST(LabelSelectorTest, RefusesWhatItCannotReadNamingTheTerm) {
  for (const char* bad : {"app in (x", "app within (x)", "=x", "a,,b"}) {
    try {
      LabelSelector::Parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_THAT(e.what(), HasSubstr("unable to parse requirement")) << bad;
    }
  }
}

TEST(FieldSelectorTest, SupportsNameAndNamespaceOnly) {
  const Json object = Labelled("exp-1", Json::object());
  EXPECT_TRUE(FieldSelector::Parse("metadata.name=exp-1").Matches(object));
  EXPECT_TRUE(FieldSelector::Parse("metadata.name==exp-1,metadata.namespace=ns").Matches(object));
  EXPECT_FALSE(FieldSelector::Parse("metadata.name!=exp-1").Matches(object));
  EXPECT_FALSE(FieldSelector::Parse("metadata.namespace=other").Matches(object));
  try {
    FieldSelector::Parse("status.phase=Running");
    ADD_FAILURE() << "an unsupported field was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "field label not supported: status.phase");
  }
}

Json Named(const std::string& name, int value) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}}}, {"spec", {{"value", value}}}};
}

TEST(ObjectCacheTest, TurnsChangesIntoEventsWithGrowingVersions) {
  ObjectCache cache(1000);
  std::vector<std::string> seen;
  const int id = cache.Subscribe([&](const WatchEvent& event) {
    seen.push_back(event.type + " " + event.object["metadata"]["name"].get<std::string>() + " " +
                   event.object["metadata"]["resourceVersion"].get<std::string>());
  });
  cache.Sync("experiments", {Named("a", 1), Named("b", 1)});
  cache.Sync("experiments", {Named("a", 1), Named("b", 2)});  // b changed
  cache.Sync("experiments", {Named("b", 2)});                 // a gone
  EXPECT_THAT(seen,
              ElementsAre("ADDED a 1001", "ADDED b 1002", "MODIFIED b 1003", "DELETED a 1004"));
  EXPECT_EQ(cache.version(), 1004u);
  EXPECT_EQ(cache.Get("experiments", "ns", "b")->at("metadata").at("resourceVersion"), "1003");
  EXPECT_FALSE(cache.Get("experiments", "ns", "a"));
  EXPECT_EQ(cache.List("experiments", "other").size(), 0u);
  EXPECT_EQ(cache.List("experiments", "").size(), 1u);

  auto since = cache.EventsSince("experiments", 1002);
  ASSERT_TRUE(since);
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0].type, "MODIFIED");
  EXPECT_TRUE(cache.EventsSince("trials", 1000)->empty());
  // A version from before this cache's start (an earlier run of the server) is too old.
  EXPECT_FALSE(cache.EventsSince("experiments", 999));

  cache.Unsubscribe(id);
  cache.Sync("experiments", {});
  EXPECT_EQ(seen.size(), 4u);
}

TEST(ObjectCacheTest, ForgetsOldEventsAndSaysSo) {
  ObjectCache cache(0, /*history=*/2);
  cache.Sync("experiments", {Named("a", 1)});
  cache.Sync("experiments", {Named("a", 2)});
  cache.Sync("experiments", {Named("a", 3)});
  EXPECT_FALSE(cache.EventsSince("experiments", 0));
  EXPECT_FALSE(cache.EventsSince("experiments", 0));
  ASSERT_TRUE(cache.EventsSince("experiments", 1));
  EXPECT_EQ(cache.EventsSince("experiments", 1)->size(), 2u);
}

ExperimentRecord RecordOf(const std::string& manifest) {
  std::vector<LoadedExperiment> loaded = LoadManifestText(manifest, "test");
  EXPECT_EQ(loaded.size(), 1u);
  ManifestCheck check = CheckExperiment(std::move(loaded[0]), AlgorithmRegistry::Default());
  EXPECT_TRUE(check.valid()) << JoinFieldErrors(check.errors);
  return ExperimentRecord{check.experiment, ExperimentStatus{},
                          Timestamp(std::chrono::seconds(1'800'000'000))};
}

std::string Manifest(const std::string& name, const std::string& ns = "kubeflow") {
  return R"({"apiVersion":"kubeflow.org/v1beta1","kind":"Experiment",
  "metadata":{"name":")" +
         name + R"(","namespace":")" + ns + R"(","labels":{"team":"vision"}},
  "spec":{"objective":{"type":"minimize","objectiveMetricName":"loss","additionalMetricNames":["acc"]},
   "algorithm":{"algorithmName":"random"},"maxTrialCount":4,"parallelTrialCount":2,
   "parameters":[{"name":"lr","parameterType":"double","feasibleSpace":{"min":"0.01","max":"0.1"}}],
   "trialTemplate":{"primaryContainerName":"main","trialParameters":[{"name":"lr","reference":"lr"}],
    "trialSpec":{"apiVersion":"batch/v1","kind":"Job","spec":{"template":{"spec":{
     "containers":[{"name":"main","image":"x","command":["echo","${trialParameters.lr}"]}],"restartPolicy":"Never"}}}}}}})";
}

Trial MakeTrial(const std::string& name, int64_t sequence, TrialStatus status,
                std::optional<double> loss) {
  Trial trial;
  trial.name = name;
  trial.experiment = "exp";
  trial.sequence = sequence;
  trial.status = status;
  trial.assignment = {{"lr", "0.0" + std::to_string(sequence + 1)}};
  trial.created_at = Timestamp(std::chrono::seconds(1'800'000'000 + sequence));
  if (status != TrialStatus::kPending) trial.started_at = trial.created_at;
  if (loss) {
    trial.objective = loss;
    trial.metrics = {{"loss", *loss, *loss + 1, *loss, 3}, {"acc", 0.5, 0.9, 0.9, 3}};
  }
  if (!IsActive(status)) {
    trial.completed_at = trial.created_at + std::chrono::seconds(10);
    trial.reason = status == TrialStatus::kSucceeded ? "TrialSucceeded" : "TrialFailed";
  }
  return trial;
}

TEST(KatibObjectsTest, AnExperimentCarriesKatibsStatusFields) {
  ExperimentRecord record = RecordOf(Manifest("exp"));
  record.status.state = ExperimentState::kSucceeded;
  record.status.reason = "ExperimentMaxTrialsReached";
  record.status.message = "Experiment has succeeded because max trial count has reached";
  record.status.start_time = record.created_at + std::chrono::seconds(1);
  record.status.completion_time = record.created_at + std::chrono::seconds(60);
  std::vector<Trial> trials = {MakeTrial("exp-a", 0, TrialStatus::kSucceeded, 0.3),
                               MakeTrial("exp-b", 1, TrialStatus::kSucceeded, 0.2),
                               MakeTrial("exp-c", 2, TrialStatus::kFailed, std::nullopt),
                               MakeTrial("exp-d", 3, TrialStatus::kSucceeded, 0.2)};
  const Json object = ExperimentObject(record, trials);
  EXPECT_EQ(object["apiVersion"], "kubeflow.org/v1beta1");
  EXPECT_EQ(object["kind"], "Experiment");
  const Json& metadata = object["metadata"];
  EXPECT_EQ(metadata["name"], "exp");
  EXPECT_EQ(metadata["namespace"], "kubeflow");
  EXPECT_EQ(metadata["labels"]["team"], "vision");
  EXPECT_EQ(metadata["creationTimestamp"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(metadata["uid"], ObjectUid("Experiment", "kubeflow", "exp", record.created_at));
  EXPECT_THAT(metadata["uid"].get<std::string>(),
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(ObjectUid("Experiment", "kubeflow", "exp", record.created_at + std::chrono::seconds(1)),
            metadata["uid"]);
  EXPECT_EQ(object["spec"]["maxTrialCount"], 4);

  const Json& status = object["status"];
  EXPECT_EQ(status["startTime"], "2027-01-15T08:00:01Z");
  EXPECT_EQ(status["completionTime"], "2027-01-15T08:01:00Z");
  EXPECT_EQ(status["trials"], 4);
  EXPECT_EQ(status["trialsSucceeded"], 3);
  EXPECT_EQ(status["trialsFailed"], 1);
  EXPECT_FALSE(status.contains("trialsRunning"));
  EXPECT_EQ(status["failedTrialList"], Json::array({"exp-c"}));
  const Json& conditions = status["conditions"];
  ASSERT_EQ(conditions.size(), 3u);
  EXPECT_EQ(conditions[0]["type"], "Created");
  EXPECT_EQ(conditions[1]["type"], "Running");
  EXPECT_EQ(conditions[1]["status"], "False");
  EXPECT_EQ(conditions[2]["type"], "Succeeded");
  EXPECT_EQ(conditions[2]["status"], "True");
  EXPECT_EQ(conditions[2]["reason"], "ExperimentMaxTrialsReached");
  // Equal objectives: the earlier trial stays the optimum.
  const Json& optimal = status["currentOptimalTrial"];
  EXPECT_EQ(optimal["bestTrialName"], "exp-b");
  EXPECT_EQ(optimal["parameterAssignments"], Json::parse(R"([{"name":"lr","value":"0.02"}])"));
  EXPECT_EQ(optimal["observation"]["metrics"][0],
            Json::parse(R"({"name":"loss","min":"0.2","max":"1.2","latest":"0.2"})"));
}

TEST(KatibObjectsTest, ATrialIsOwnedByItsExperimentAndLabelledWithIt) {
  ExperimentRecord record = RecordOf(Manifest("exp"));
  Trial trial = MakeTrial("exp-a", 0, TrialStatus::kFailed, std::nullopt);
  trial.labels[kJobLabel] = "local:1234";
  trial.message = "exit code 3";
  const Json object = TrialObject(record, trial);
  EXPECT_EQ(object["kind"], "Trial");
  EXPECT_EQ(object["metadata"]["labels"][kExperimentLabel], "exp");
  EXPECT_EQ(object["metadata"]["annotations"][kJobLabel], "local:1234");
  EXPECT_EQ(object["metadata"]["ownerReferences"][0]["uid"],
            ObjectUid("Experiment", "kubeflow", "exp", record.created_at));
  EXPECT_EQ(object["spec"]["parameterAssignments"][0]["value"], "0.01");
  EXPECT_EQ(object["spec"]["objective"]["objectiveMetricName"], "loss");
  const Json& conditions = object["status"]["conditions"];
  ASSERT_EQ(conditions.size(), 3u);
  EXPECT_EQ(conditions[2]["type"], "Failed");
  EXPECT_EQ(conditions[2]["message"], "exit code 3");

  const Json suggestion = SuggestionObject(record, {trial});
  EXPECT_EQ(suggestion["spec"]["algorithm"]["algorithmName"], "random");
  EXPECT_EQ(suggestion["status"]["suggestionCount"], 1);
  EXPECT_EQ(suggestion["status"]["suggestions"][0]["name"], "exp-a");
}

TEST(KubeTableTest, ShowsTheLastConditionAndAge) {
  ExperimentRecord record = RecordOf(Manifest("exp"));
  record.created_at = std::chrono::system_clock::now() - std::chrono::seconds(90);
  record.status.state = ExperimentState::kRunning;
  record.status.reason = "ExperimentRunning";
  const Json table = TableOf("experiments", {ExperimentObject(record, {})}, 42);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["metadata"]["resourceVersion"], "42");
  ASSERT_EQ(table["columnDefinitions"].size(), 4u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Type");
  const Json& cells = table["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "exp");
  EXPECT_EQ(cells[1], "Running");
  EXPECT_EQ(cells[2], "True");
  EXPECT_THAT(cells[3].get<std::string>(), ::testing::MatchesRegex("9[0-9]s"));
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["name"], "exp");
  EXPECT_FALSE(TableOf("experiments", {}, 1, false).contains("columnDefinitions"));

  EXPECT_EQ(HumanDuration(std::chrono::seconds(5)), "5s");
  EXPECT_EQ(HumanDuration(std::chrono::seconds(200)), "3m20s");
  EXPECT_EQ(HumanDuration(std::chrono::minutes(45)), "45m");
  EXPECT_EQ(HumanDuration(std::chrono::hours(5) + std::chrono::minutes(3)), "5h3m");
  EXPECT_EQ(HumanDuration(std::chrono::hours(30)), "30h");
  EXPECT_EQ(HumanDuration(std::chrono::hours(24 * 3 + 2)), "3d2h");
  EXPECT_EQ(HumanDuration(std::chrono::hours(24 * 400)), "400d");
}

TEST(KubeconfigTest, PointsAtTheServerWithItsCaAndToken) {
  const std::string yaml = KubeconfigYaml({"https://127.0.0.1:6443", "-----CERT-----\n", "tok"});
  YAML::Node config = YAML::Load(yaml);
  EXPECT_EQ(config["current-context"].as<std::string>(), "tuneup");
  EXPECT_EQ(config["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  EXPECT_EQ(config["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>(),
            "LS0tLS1DRVJULS0tLS0K");
  EXPECT_EQ(config["users"][0]["user"]["token"].as<std::string>(), "tok");
  EXPECT_EQ(config["contexts"][0]["context"]["namespace"].as<std::string>(), "default");
  const std::string a = RandomToken();
  EXPECT_THAT(a, ::testing::MatchesRegex("[0-9a-f]{64}"));
  EXPECT_NE(a, RandomToken());
}

// Runs submitted manifests as `tuneup serve` validates and stores them (without running them).
class StoringHost final : public ExperimentHost {
 public:
  explicit StoringHost(std::string db) : db_(std::move(db)) {}
  Submitted Submit(const std::string& manifest) override {
    std::vector<LoadedExperiment> loaded = LoadManifestText(manifest, "submitted");
    ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
    if (!check.valid()) throw Error(ErrorCode::kInvalidArgument, JoinFieldErrors(check.errors));
    std::lock_guard lock(mutex_);
    SqliteStore store(db_);
    store.CreateExperiment({check.experiment, ExperimentStatus{}, SystemClock::Instance().Now()});
    submitted.push_back(manifest);
    return {check.experiment.metadata.name, true};
  }
  std::vector<std::string> submitted;

 private:
  std::string db_;
  std::mutex mutex_;
};

class KubeApiServiceTest : public ::testing::Test {
 protected:
  KubeApiServiceTest()
      : certificate_(MakeSelfSignedCertificate({"127.0.0.1"})),
        store_(dir_.Join("tuneup.db")),
        host_(dir_.Join("tuneup.db")),
        service_(io_, store_, host_) {
    HttpServerOptions options;
    options.cert_pem = certificate_.cert_pem;
    options.key_pem = certificate_.key_pem;
    options.tokens = {"s3cret"};
    service_.Start(options);
    client_ = MakeClient("s3cret");
  }
  ~KubeApiServiceTest() override { service_.Stop(); }

  std::unique_ptr<KubeClient> MakeClient(const std::string& token) {
    KubeConfig config;
    config.host = "127.0.0.1";
    config.port = std::to_string(service_.port());
    config.ca_pem = certificate_.cert_pem;
    config.token = token;
    KubeClientOptions options;
    options.retry_budget = std::chrono::milliseconds(0);
    return std::make_unique<KubeClient>(io_, config, options);
  }

  KubeResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", KubeClient* client = nullptr) {
    std::optional<KubeResponse> response;
    (client ? client : client_.get())->Request(method, path, body, [&](const KubeResponse& r) {
      response = r;
    });
    EXPECT_TRUE(testing::RunUntil(
        io_, [&] { return response.has_value(); }, std::chrono::seconds(20)))
        << method << " " << path;
    return response.value_or(KubeResponse{});
  }

  static constexpr const char* kExperiments =
      "/apis/kubeflow.org/v1beta1/namespaces/kubeflow/experiments";

  testing::TempDir dir_;
  CertificateAndKey certificate_;
  boost::asio::io_context io_;
  SqliteStore store_;
  StoringHost host_;
  KubeApiService service_;
  std::unique_ptr<KubeClient> client_;
};

TEST_F(KubeApiServiceTest, DiscoveryNamesKatibsResources) {
  const Json groups = Call("GET", "/apis").json();
  EXPECT_EQ(groups["groups"][0]["name"], "kubeflow.org");
  const Json resources = Call("GET", "/apis/kubeflow.org/v1beta1").json();
  std::vector<std::string> names;
  for (const auto& resource : resources["resources"])
    names.push_back(resource["name"]);
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"experiments", "experiments/status", "trials", "suggestions"}));
  EXPECT_EQ(Call("GET", "/version").json()["major"], "1");
  EXPECT_EQ(Call("GET", "/api").json()["versions"][0], "v1");
  EXPECT_EQ(Call("GET", "/apis/other.io/v1").status, 404);
}

TEST_F(KubeApiServiceTest, ATokenIsRequiredAndAWrongOneChangesNothing) {
  for (const std::string token : {"", "wrong", "s3cre"}) {
    auto client = MakeClient(token);
    KubeResponse response = Call("POST", kExperiments, Manifest("exp"), client.get());
    EXPECT_EQ(response.status, 401) << token;
    EXPECT_EQ(response.json()["reason"], "Unauthorized");
  }
  EXPECT_TRUE(host_.submitted.empty());
  EXPECT_TRUE(store_.ListExperiments().empty());
}

TEST_F(KubeApiServiceTest, CreateGetListAndTheErrorsKubectlPrints) {
  KubeResponse created = Call("POST", kExperiments, Manifest("exp"));
  ASSERT_EQ(created.status, 201) << created.body;
  const Json object = created.json();
  EXPECT_EQ(object["metadata"]["namespace"], "kubeflow");
  EXPECT_FALSE(object["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(object["status"]["conditions"][0]["type"], "Created");

  KubeResponse got = Call("GET", std::string(kExperiments) + "/exp");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["metadata"]["uid"], object["metadata"]["uid"]);
  EXPECT_EQ(Call("GET", std::string(kExperiments) + "/exp/status").json()["kind"], "Experiment");

  KubeResponse again = Call("POST", kExperiments, Manifest("exp"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json()["message"], "experiments.kubeflow.org \"exp\" already exists");
  KubeResponse elsewhere = Call("POST", "/apis/kubeflow.org/v1beta1/namespaces/other/experiments",
                                Manifest("exp", "other"));
  EXPECT_EQ(elsewhere.status, 409);
  EXPECT_THAT(elsewhere.json()["message"].get<std::string>(),
              HasSubstr("unique across namespaces"));

  KubeResponse missing = Call("GET", std::string(kExperiments) + "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["message"], "experiments.kubeflow.org \"nope\" not found");

  std::string invalid = Manifest("bad");
  invalid.replace(invalid.find("\"random\""), 8, "\"simulated-annealing\"");
  KubeResponse refused = Call("POST", kExperiments, invalid);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.json()["reason"], "Invalid");
  EXPECT_THAT(refused.json()["message"].get<std::string>(),
              ::testing::AllOf(HasSubstr("Experiment.kubeflow.org \"bad\" is invalid"),
                               HasSubstr("spec.algorithm.algorithmName")));
  EXPECT_EQ(Call("POST", kExperiments, "{not json").status, 400);
  KubeResponse nameless =
      Call("POST", kExperiments, R"({"apiVersion":"kubeflow.org/v1beta1","kind":"Experiment"})");
  EXPECT_EQ(nameless.status, 422) << nameless.body;
  EXPECT_THAT(nameless.json()["message"].get<std::string>(), HasSubstr("metadata.name"));
  EXPECT_EQ(Call("PUT", std::string(kExperiments) + "/exp",
                 R"({"apiVersion":"kubeflow.org/v1beta1","kind":"Experiment"})")
                .status,
            422);
  EXPECT_EQ(Call("POST", kExperiments, R"({"apiVersion":"v1","kind":"Pod"})").status, 400);
  EXPECT_THAT(Call("POST", "/apis/kubeflow.org/v1beta1/namespaces/x/experiments",
                   Manifest("exp2", "kubeflow"))
                  .json()["message"]
                  .get<std::string>(),
              HasSubstr("does not match the namespace"));

  const Json list = Call("GET", std::string(kExperiments) + "?labelSelector=team%3Dvision").json();
  EXPECT_EQ(list["kind"], "ExperimentList");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_TRUE(
      Call("GET", std::string(kExperiments) + "?labelSelector=team%3Dnlp").json()["items"].empty());
  EXPECT_EQ(Call("GET", "/apis/kubeflow.org/v1beta1/experiments").json()["items"].size(), 1u);
  EXPECT_EQ(Call("GET", std::string(kExperiments) + "?fieldSelector=spec.x%3D1").status, 400);
  EXPECT_EQ(Call("DELETE", "/apis/kubeflow.org/v1beta1/namespaces/kubeflow/trials/x").status, 405);
}

TEST_F(KubeApiServiceTest, PatchChangesLabelsButNotTheSpec) {
  ASSERT_EQ(Call("POST", kExperiments, Manifest("exp")).status, 201);
  const std::string path = std::string(kExperiments) + "/exp";
  // KubeClient sends PATCH bodies as JSON merge patches, as kubectl does for custom resources.
  KubeResponse labelled = Call("PATCH", path, R"({"metadata":{"labels":{"stage":"prod"}}})");
  ASSERT_EQ(labelled.status, 200) << labelled.body;
  EXPECT_EQ(labelled.json()["metadata"]["labels"]["stage"], "prod");
  EXPECT_EQ(labelled.json()["metadata"]["labels"]["team"], "vision");
  EXPECT_EQ(store_.GetExperiment("exp")->experiment.metadata.labels.at("stage"), "prod");

  // kubectl apply restates whole lists (the stored ones have Katib's defaults): no change.
  KubeResponse restated = Call(
      "PATCH", path,
      R"({"spec":{"parameters":[{"name":"lr","parameterType":"double","feasibleSpace":{"min":"0.01","max":"0.1"}}]}})");
  EXPECT_EQ(restated.status, 200) << restated.body;

  KubeResponse spec = Call("PATCH", path, R"({"spec":{"maxTrialCount":40}})");
  EXPECT_EQ(spec.status, 422);
  EXPECT_THAT(spec.json()["message"].get<std::string>(),
              ::testing::AllOf(HasSubstr("cannot change the spec"),
                               HasSubstr("spec.maxTrialCount: 4 -> 40")));
  EXPECT_EQ(store_.GetExperiment("exp")->experiment.spec.max_trial_count.value(), 4);

  Json object = Call("GET", path).json();
  object["metadata"]["resourceVersion"] = "1";
  EXPECT_EQ(Call("PUT", path, object.dump()).status, 409);
  EXPECT_EQ(Call("PATCH", path, "[not json").status, 400);
}

TEST_F(KubeApiServiceTest, WatchStreamsChangesAndResumesFromAVersion) {
  const Json list = Call("GET", kExperiments).json();
  const std::string version = list["metadata"]["resourceVersion"];
  std::string received;
  std::optional<KubeResponse> ended;
  auto stream = client_->Stream(
      std::string(kExperiments) + "?watch=true&resourceVersion=" + version,
      [&](std::string_view bytes) { received += bytes; },
      [&](const KubeResponse& response) { ended = response; });
  ASSERT_EQ(Call("POST", kExperiments, Manifest("exp")).status, 201);
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return received.find('\n') != std::string::npos; }));
  const Json added = Json::parse(received.substr(0, received.find('\n')));
  EXPECT_EQ(added["type"], "ADDED");
  EXPECT_EQ(added["object"]["metadata"]["name"], "exp");

  // The runner's changes reach the watch through the store.
  ExperimentStatus running;
  running.state = ExperimentState::kRunning;
  running.reason = "ExperimentRunning";
  running.start_time = SystemClock::Instance().Now();
  store_.UpdateExperimentStatus("exp", running);
  ASSERT_TRUE(
      testing::RunUntil(io_, [&] { return received.find("MODIFIED") != std::string::npos; }));
  EXPECT_FALSE(ended);
  stream->Cancel();

  // From a version before this server's start: 410, in the stream, as from the API server.
  std::string expired;
  std::optional<KubeResponse> expired_end;
  client_->Stream(
      std::string(kExperiments) + "?watch=1&resourceVersion=5",
      [&](std::string_view bytes) { expired += bytes; },
      [&](const KubeResponse& response) { expired_end = response; });
  ASSERT_TRUE(testing::RunUntil(io_, [&] { return expired_end.has_value(); }));
  const Json error = Json::parse(expired.substr(0, expired.find('\n')));
  EXPECT_EQ(error["type"], "ERROR");
  EXPECT_EQ(error["object"]["code"], 410);

  // timeoutSeconds ends the stream; a field selector picks one object.
  std::string picked;
  std::optional<KubeResponse> picked_end;
  client_->Stream(
      std::string(kExperiments) + "?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dexp",
      [&](std::string_view bytes) { picked += bytes; },
      [&](const KubeResponse& response) { picked_end = response; });
  ASSERT_TRUE(testing::RunUntil(
      io_, [&] { return picked_end.has_value(); }, std::chrono::seconds(5)));
  EXPECT_THAT(picked, HasSubstr("\"ADDED\""));
}

TEST_F(KubeApiServiceTest, DeleteIsRefusedAndChangesNothing) {
  ASSERT_EQ(Call("POST", kExperiments, Manifest("exp")).status, 201);
  KubeResponse refused = Call("DELETE", std::string(kExperiments) + "/exp");
  EXPECT_EQ(refused.status, 405) << refused.body;
  EXPECT_THAT(refused.json()["message"].get<std::string>(),
              HasSubstr("does not delete experiments yet"));
  EXPECT_EQ(Call("GET", std::string(kExperiments) + "/exp").status, 200);
  EXPECT_TRUE(store_.GetExperiment("exp"));
  EXPECT_EQ(Call("DELETE", std::string(kExperiments) + "/nope").status, 404);
}

TEST_F(KubeApiServiceTest, TrialsAreListedByExperimentLabel) {
  ASSERT_EQ(Call("POST", kExperiments, Manifest("exp")).status, 201);
  ASSERT_EQ(Call("POST", kExperiments, Manifest("other")).status, 201);
  Trial trial = MakeTrial("exp-a", 0, TrialStatus::kRunning, std::nullopt);
  Trial another = MakeTrial("other-a", 0, TrialStatus::kRunning, std::nullopt);
  another.experiment = "other";
  store_.CreateTrials(std::vector<Trial>{trial});
  store_.CreateTrials(std::vector<Trial>{another});
  // The service re-reads the store when its view is older than 100 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const Json trials = Call("GET",
                           "/apis/kubeflow.org/v1beta1/namespaces/kubeflow/"
                           "trials?labelSelector=katib.kubeflow.org%2Fexperiment%3Dexp")
                          .json();
  ASSERT_EQ(trials["items"].size(), 1u);
  EXPECT_EQ(trials["items"][0]["metadata"]["name"], "exp-a");
  EXPECT_EQ(Call("GET", "/apis/kubeflow.org/v1beta1/namespaces/kubeflow/suggestions/exp")
                .json()["status"]["suggestionCount"],
            1);
}

}  // namespace
}  // namespace tuneup::kubeapi
