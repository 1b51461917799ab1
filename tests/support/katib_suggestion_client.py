#!/usr/bin/python3
"""A Katib-style client of tuneup's Suggestion service, for tests/rpc_python_client_test.cc.

Usage: katib_suggestion_client.py STUBS_DIR PORT

STUBS_DIR holds Python stubs generated from rpc/katib_api.proto by Debian's grpc_tools (as a
Katib component would generate them from Katib's api.proto: same package, services, messages and
field numbers). Calls GetSuggestions for several algorithms the way Katib's controller does (the
experiment and its trials in each request) and ValidateAlgorithmSettings, and prints one JSON
object with what came back, for the C++ test to check.
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import katib_api_pb2 as api_pb2  # noqa: E402
import katib_api_pb2_grpc as api_pb2_grpc  # noqa: E402


def experiment(algorithm, settings):
    spec = api_pb2.ExperimentSpec(
        parameter_specs=api_pb2.ExperimentSpec.ParameterSpecs(parameters=[
            api_pb2.ParameterSpec(
                name="lr", parameter_type=api_pb2.DOUBLE,
                # A grid needs a step for a double, as in Katib.
                feasible_space=api_pb2.FeasibleSpace(
                    min="0.01", max="0.1", step="0.03" if algorithm == "grid" else "")),
            api_pb2.ParameterSpec(
                name="num-epochs", parameter_type=api_pb2.INT,
                feasible_space=api_pb2.FeasibleSpace(min="1", max="9")),
            api_pb2.ParameterSpec(
                name="optimizer", parameter_type=api_pb2.CATEGORICAL,
                feasible_space=api_pb2.FeasibleSpace(list=["sgd", "adam"])),
        ]),
        objective=api_pb2.ObjectiveSpec(
            type=api_pb2.MAXIMIZE, goal=0.99, objective_metric_name="accuracy"),
        algorithm=api_pb2.AlgorithmSpec(
            algorithm_name=algorithm,
            algorithm_settings=[api_pb2.AlgorithmSetting(name=k, value=v)
                                for k, v in settings.items()]),
        parallel_trial_count=3, max_trial_count=12)
    return api_pb2.Experiment(name="python-" + algorithm, spec=spec)


def finished_trial(name, assignment, accuracy):
    return api_pb2.Trial(
        name=name,
        spec=api_pb2.TrialSpec(
            parameter_assignments=api_pb2.TrialSpec.ParameterAssignments(
                assignments=assignment.assignments),
            labels=dict(assignment.labels)),
        status=api_pb2.TrialStatus(
            condition=api_pb2.TrialStatus.SUCCEEDED,
            observation=api_pb2.Observation(
                metrics=[api_pb2.Metric(name="accuracy", value=str(accuracy))])))


def main():
    channel = grpc.insecure_channel("127.0.0.1:" + sys.argv[2])
    stub = api_pb2_grpc.SuggestionStub(channel)
    out = {}
    for algorithm, settings in [
            ("random", {"random_state": "10"}),
            ("grid", {}),
            ("bayesianoptimization", {"random_state": "10", "n_initial_points": "3"}),
            ("hyperband", {"resource_name": "num-epochs", "r_l": "9", "eta": "3",
                           "random_state": "10"})]:
        exp = experiment(algorithm, settings)
        trials = []
        calls = []
        # Two rounds, as Katib's controller asks: 3 trials, then 2 more once they finished.
        for round_number, count in enumerate([3, 2]):
            reply = stub.GetSuggestions(api_pb2.GetSuggestionsRequest(
                experiment=exp, trials=trials, current_request_number=count,
                total_request_number=len(trials) + count), timeout=30)
            calls.append([
                {"assignments": {a.name: a.value for a in pa.assignments},
                 "labels": dict(pa.labels)}
                for pa in reply.parameter_assignments])
            for i, pa in enumerate(reply.parameter_assignments):
                trials.append(finished_trial(
                    "%s-%d-%d" % (exp.name, round_number, i), pa, 0.5 + 0.01 * len(trials)))
        out[algorithm] = {"calls": calls, "algorithm": reply.algorithm.algorithm_name}
    try:
        stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(
            experiment=experiment("bayesianoptimization", {"acq_func": "bogus"})), timeout=30)
        out["validate_bad"] = "OK"
    except grpc.RpcError as error:
        out["validate_bad"] = "%s: %s" % (error.code().name, error.details())
    stub.ValidateAlgorithmSettings(api_pb2.ValidateAlgorithmSettingsRequest(
        experiment=experiment("random", {"random_state": "1"})), timeout=30)
    out["validate_good"] = "OK"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
