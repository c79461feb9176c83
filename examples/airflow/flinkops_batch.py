"""Airflow: run a flinkops batch job for the DAG's logical date, and fail the task when the job fails.

The task triggers the jobs repository's GitLab pipeline (job `action` in .gitlab-ci.yml), which runs
`flinkops action run JOB --env ENV --wait`, then polls the pipeline: the task succeeds when the Flink
job FINISHED and fails when it FAILED. The pipeline acts as scheduler:airflow because the trigger
token's owner is listed under that scheduler in platform/owners.yaml (`airflow: [airflow-bot]`). Only the standard library is used, so
the same function runs outside Airflow (`python3 flinkops_batch.py JOB ENV NAME=VALUE ...`).

Connection settings come from the environment (or Airflow Variables, see `_setting`):
GITLAB_URL, GITLAB_PROJECT, GITLAB_TRIGGER_TOKEN, GITLAB_READ_TOKEN, FLINKOPS_REF (default main).
"""

import json
import os
import sys
import time
import urllib.parse
import urllib.request


def _setting(name, default=None):
    value = os.environ.get(name)
    if value is None:
        try:
            from airflow.models import Variable  # noqa: PLC0415 - optional outside Airflow

            value = Variable.get(name, default_var=None)
        except ImportError:
            value = None
    if value is None and default is None:
        raise RuntimeError(f"set {name}")
    return value if value is not None else default


def _request(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.load(response)


def run_flinkops_batch(job, env, variables, poll_seconds=15, timeout_seconds=6 * 3600):
    """Triggers `flinkops action run` and waits for the pipeline; raises when the job did not finish."""
    base = _setting("GITLAB_URL").rstrip("/")
    project = urllib.parse.quote(_setting("GITLAB_PROJECT"), safe="")
    body = {
        "token": _setting("GITLAB_TRIGGER_TOKEN"),
        "ref": _setting("FLINKOPS_REF", "main"),
        "variables": {
            "FLINKOPS_ACTION": "run",
            "FLINKOPS_JOB": job,
            "FLINKOPS_ENV": env,
            "FLINKOPS_VARS": " ".join(f"{k}={v}" for k, v in sorted(variables.items())),
            "FLINKOPS_WAIT": "true",
        },
    }
    created = _request(
        f"{base}/api/v4/projects/{project}/trigger/pipeline",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    print(f"flinkops: {job} in {env} {variables} - pipeline {created['web_url']}", flush=True)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        pipeline = _request(
            f"{base}/api/v4/projects/{project}/pipelines/{created['id']}",
            headers={"PRIVATE-TOKEN": _setting("GITLAB_READ_TOKEN")},
        )
        if pipeline["status"] == "success":
            print(f"flinkops: {job} FINISHED", flush=True)
            return created["id"]
        if pipeline["status"] in ("failed", "canceled", "skipped"):
            raise RuntimeError(f"flinkops: {job} {pipeline['status']} - see {pipeline['web_url']}")
        time.sleep(poll_seconds)
    raise RuntimeError(f"flinkops: {job} did not end within {timeout_seconds} s - see {created['web_url']}")


try:  # The DAG, when Airflow is there: one task per day, the day passed as biz_date.
    import pendulum
    from airflow import DAG
    from airflow.operators.python import PythonOperator

    with DAG(
        dag_id="homeservice_daily_settlement",
        schedule="30 1 * * *",
        start_date=pendulum.datetime(2024, 6, 1, tz="Asia/Shanghai"),
        catchup=False,
    ) as dag:
        PythonOperator(
            task_id="daily_settlement",
            python_callable=run_flinkops_batch,
            op_kwargs={
                "job": "homeservice/daily-settlement",
                "env": "prod",
                "variables": {"biz_date": "{{ ds }}"},
            },
        )
except ImportError:
    pass


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: flinkops_batch.py JOB ENV [NAME=VALUE ...]")
    given = dict(kv.split("=", 1) for kv in sys.argv[3:])
    try:
        run_flinkops_batch(sys.argv[1], sys.argv[2], given, poll_seconds=float(os.environ.get("FLINKOPS_POLL_SECONDS", "15")))
    except RuntimeError as e:
        sys.exit(str(e))
