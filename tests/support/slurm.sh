#!/bin/sh
# A throwaway single-node Slurm 22.05 for the test suite: slurm.sh start|stop DIR
#
# Run by ctest as the setup and cleanup of the fixture slurm, which the Slurm tests require.
# start: munged with a fresh key (its files under /tmp, which the munge user can reach wherever
# DIR is), slurmctld and slurmd (node "localhost", 2 CPUs) on two free ports with their files
# under DIR, and DIR/slurm.conf written; waits until the node is idle.
# Two partitions: low (the default, PriorityTier=1, PreemptMode=REQUEUE) and high
# (PriorityTier=10): a job on high preempts jobs on low, which Slurm puts back in the queue.
# Tests find the cluster through SLURM_CONF=DIR/slurm.conf. stop: scontrol shutdown, munged
# killed, DIR removed. Never skips: a cluster that cannot start fails the fixture, and with it
# the tests. Needs root (slurmd runs jobs as their submitter) and Debian's slurm-wlm and munge.
set -eu
action=$1
dir=$2

fail() {
  echo "slurm.sh: $1" >&2
  for log in "$dir/slurmctld.log" "$dir/slurmd.log" "${munge:-/nonexistent}/munged.log"; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }
  done
  exit 1
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  if [ -f "$dir/slurm.conf" ]; then
    SLURM_CONF="$dir/slurm.conf" scontrol shutdown >/dev/null 2>&1 || true
    for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
  if [ -f "$dir/munge-dir" ]; then
    munge=$(cat "$dir/munge-dir")
    if [ -f "$munge/munged.pid" ]; then
      pid=$(cat "$munge/munged.pid")
      kill "$pid" 2>/dev/null || true
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    remove "$munge"
  fi
  remove "$dir"
}

# rm -rf, again while a daemon still shutting down creates files in the tree.
remove() {
  i=0
  until rm -rf "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -ge 20 ]; then
      echo "slurm.sh: cannot remove $1" >&2
      return 1
    fi
    sleep 0.1
  done
}

case "$action" in
start)
  [ -d "$dir" ] && stop
  mkdir -p "$dir/state" "$dir/spool"
  dir=$(cd "$dir" && pwd)
  munge=$(mktemp -d /tmp/tuneup-munge-XXXXXX)
  echo "$munge" >"$dir/munge-dir"
  chown munge:munge "$munge"
  chmod 755 "$munge"
  runuser -u munge -- /usr/sbin/mungekey --create --keyfile="$munge/munge.key" ||
    fail "mungekey failed"
  runuser -u munge -- /usr/sbin/munged --key-file="$munge/munge.key" \
    --socket="$munge/sock" --pid-file="$munge/munged.pid" \
    --log-file="$munge/munged.log" --seed-file="$munge/seed" || fail "munged did not start"
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
  cat >"$dir/slurm.conf" <<EOF
ClusterName=tuneuptest
SlurmctldHost=localhost
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge/sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=1,bf_interval=1,sched_min_interval=100000
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=300
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
NodeName=localhost CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=low Nodes=localhost Default=YES MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=REQUEUE
PartitionName=high Nodes=localhost Default=NO MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
EOF
  export SLURM_CONF="$dir/slurm.conf"
  /usr/sbin/slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
  /usr/sbin/slurmd -f "$SLURM_CONF" -N localhost || fail "slurmd did not start"
  i=0
  until [ "$(sinfo -h -n localhost -o %T 2>/dev/null | sort -u)" = idle ]; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then
      sinfo >&2 || true
      fail "the node did not become idle within 30 s"
    fi
    sleep 0.1
  done
  echo "slurm.sh: Slurm $(sinfo -V | cut -d' ' -f2) up, SLURM_CONF=$SLURM_CONF (slurmctld port $ctld_port)"
  ;;
stop)
  stop
  ;;
*)
  echo "usage: slurm.sh start|stop DIR" >&2
  exit 2
  ;;
esac
