"""Katib's own Python SDK (kubeflow-katib, from the test virtualenv) talking to tuneup's DBManager,
for dbmanager_katib_sdk_py_test.cc.

  katib_sdk_client.py ADDRESS TRIAL DESCRIPTOR

ADDRESS is the server's host:port, TRIAL a trial that exists there, DESCRIPTOR a file holding
tuneup's rpc/katib_api.proto as a serialized FileDescriptorProto. Prints one line per check, for
the test to compare; exits non-zero on the first surprise.

  descriptor: ...   tuneup's API and the SDK's generated katib_api_pb2 describe the same messages,
                    fields, numbers, types and services (names of files and options aside)
  reported: ...     kubeflow.katib.report_metrics, as a trial pushes its metrics
  metric: ...       KatibClient.get_trial_metrics, as a notebook reads a trial's metrics
  refused: ...      the SDK's generated stub with a value Katib cannot parse, and an unknown trial
  deleted: ...      DeleteObservationLog, then the log is empty
"""

import os
import sys

import grpc
from google.protobuf import descriptor_pb2
from kubernetes import client as k8s_client

import kubeflow.katib.katib_api_pb2 as katib_api_pb2
import kubeflow.katib.katib_api_pb2_grpc as katib_api_pb2_grpc
from kubeflow.katib import KatibClient
from kubeflow.katib.api import report_metrics as report_metrics_module
from kubeflow.katib.utils import utils


def normalized(file_proto):
    file_proto.ClearField("name")
    file_proto.ClearField("options")
    file_proto.ClearField("source_code_info")
    return file_proto


def compare_descriptors(path):
    ours = descriptor_pb2.FileDescriptorProto()
    with open(path, "rb") as f:
        ours.ParseFromString(f.read())
    sdk = descriptor_pb2.FileDescriptorProto()
    katib_api_pb2.DESCRIPTOR.CopyToProto(sdk)
    ours, sdk = normalized(ours), normalized(sdk)
    if ours != sdk:
        print("descriptor: DIFFERENT\n--- sdk\n%s\n--- tuneup\n%s" % (sdk, ours))
        sys.exit(1)
    print(
        "descriptor: same as the SDK's (package %s, %d messages, %d enums, services %s)"
        % (
            sdk.package,
            len(sdk.message_type),
            len(sdk.enum_type),
            " ".join(s.name for s in sdk.service),
        )
    )


def main():
    address, trial, descriptor = sys.argv[1:4]
    compare_descriptors(descriptor)

    # report_metrics finds the trial as a Katib trial container does, and its namespace in the
    # service account's files, which exist only in a pod.
    os.environ["KATIB_TRIAL_NAME"] = trial
    utils.get_current_k8s_namespace = lambda: "default"
    report_metrics_module.report_metrics(
        {"loss": 0.25, "accuracy": "0.75"}, db_manager_address=address, timeout=30
    )
    print("reported: loss accuracy")

    # A client configuration of its own: no kube-config needed to reach only the DB manager.
    katib = KatibClient(client_configuration=k8s_client.Configuration(), namespace="default")
    for log in katib.get_trial_metrics(trial, db_manager_address=address, timeout=30):
        print("metric: %s %s=%s" % (log.time_stamp, log.metric.name, log.metric.value))

    channel = grpc.insecure_channel(address)
    stub = katib_api_pb2_grpc.DBManagerStub(channel)
    for what, request in [
        (
            "word value",
            katib_api_pb2.ReportObservationLogRequest(
                trial_name=trial,
                observation_log=katib_api_pb2.ObservationLog(
                    metric_logs=[
                        katib_api_pb2.MetricLog(
                            time_stamp="2026-01-02T03:04:05Z",
                            metric=katib_api_pb2.Metric(name="loss", value="low"),
                        )
                    ]
                ),
            ),
        ),
        ("unknown trial", katib_api_pb2.ReportObservationLogRequest(trial_name=trial + "-x")),
    ]:
        try:
            stub.ReportObservationLog(request, timeout=30)
            print("refused: %s was accepted" % what)
            sys.exit(1)
        except grpc.RpcError as e:
            print("refused: %s: %s %s" % (what, e.code().name, e.details()))

    stub.DeleteObservationLog(katib_api_pb2.DeleteObservationLogRequest(trial_name=trial), timeout=30)
    left = stub.GetObservationLog(
        katib_api_pb2.GetObservationLogRequest(trial_name=trial), timeout=30
    ).observation_log.metric_logs
    print("deleted: %d left" % len(left))


if __name__ == "__main__":
    main()
