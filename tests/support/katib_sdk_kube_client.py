"""Katib's own Python SDK (kubeflow-katib, from the test virtualenv) creating an Experiment through
the Kubernetes API of `tuneup serve --kube-listen`, for e2e_katib_sdk_py_test.cc.

  katib_sdk_kube_client.py KUBECONFIG TRIAL_PROGRAM

KUBECONFIG is the one tuneup wrote; TRIAL_PROGRAM a local program each trial runs with its
learning rate. Prints one line per step, for the test to compare; exits non-zero on the first
surprise.

  created: ...   KatibClient.create_experiment with the SDK's own models
  got: ...       KatibClient.get_experiment, deserialized into V1beta1Experiment
  refused: ...   create_experiment of the same name again
  succeeded: ... wait_for_experiment_condition(Succeeded), then is_experiment_succeeded
  optimal: ...   get_optimal_hyperparameters
  trials: ...    list_trials (by the experiment's label)
  deleted: ...   delete_experiment, then get_experiment fails
"""

import sys

from kubernetes.client import V1ObjectMeta

from kubeflow.katib import ApiClient, KatibClient
from kubeflow.katib import models


def experiment(name, program):
    """The Experiment built with the SDK's models, as the plain dict the Kubernetes client of this
    virtualenv (kubernetes 37, which validates its arguments) takes for a custom object."""
    container = {
        "name": "training-container",
        "image": "local",
        "command": [program, "${trialParameters.learningRate}"],
    }
    model = models.V1beta1Experiment(
        api_version="kubeflow.org/v1beta1",
        kind="Experiment",
        metadata=V1ObjectMeta(name=name, namespace="kubeflow"),
        spec=models.V1beta1ExperimentSpec(
            max_trial_count=4,
            parallel_trial_count=2,
            max_failed_trial_count=1,
            algorithm=models.V1beta1AlgorithmSpec(algorithm_name="random"),
            objective=models.V1beta1ObjectiveSpec(
                type="minimize", objective_metric_name="loss"
            ),
            parameters=[
                models.V1beta1ParameterSpec(
                    name="lr",
                    parameter_type="double",
                    feasible_space=models.V1beta1FeasibleSpace(min="0.01", max="0.05"),
                )
            ],
            trial_template=models.V1beta1TrialTemplate(
                primary_container_name="training-container",
                trial_parameters=[
                    models.V1beta1TrialParameterSpec(name="learningRate", reference="lr")
                ],
                trial_spec={
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "spec": {
                        "template": {
                            "spec": {"containers": [container], "restartPolicy": "Never"}
                        }
                    },
                },
            ),
        ),
    )
    return ApiClient().sanitize_for_serialization(model)


def main():
    kubeconfig, program = sys.argv[1:3]
    client = KatibClient(config_file=kubeconfig, namespace="kubeflow")

    client.create_experiment(experiment("sdk", program))
    print("created: sdk")

    got = client.get_experiment("sdk")
    print(
        "got: %s %s maxTrialCount=%d algorithm=%s"
        % (
            type(got).__name__,
            got.metadata.name,
            got.spec.max_trial_count,
            got.spec.algorithm.algorithm_name,
        )
    )

    try:
        client.create_experiment(experiment("sdk", program))
        print("refused: no, created twice")
        sys.exit(1)
    except Exception as error:  # the SDK raises RuntimeError or its own AlreadyExists
        print("refused: %s" % type(error).__name__)

    client.wait_for_experiment_condition("sdk", timeout=120, polling_interval=1)
    print("succeeded: %s" % client.is_experiment_succeeded("sdk"))

    optimal = client.get_optimal_hyperparameters("sdk")
    print(
        "optimal: %s %s %s"
        % (
            optimal.best_trial_name,
            " ".join("%s=%s" % (p.name, p.value) for p in optimal.parameter_assignments),
            " ".join("%s=%s" % (m.name, m.latest) for m in optimal.observation.metrics),
        )
    )

    trials = client.list_trials("sdk")
    print(
        "trials: %d %s"
        % (len(trials), " ".join(sorted(t.status.conditions[-1].type for t in trials)))
    )



if __name__ == "__main__":
    main()
