# slurm: `make slurm-test` runs a sweep on a real single-node Slurm cluster
# it starts itself (root; installs slurm-wlm and munge with apt-get when
# missing, skips with a message where it cannot). Not part of `make test`;
# .ci/run calls it after the tests.
.PHONY: slurm-test
slurm-test:
	scripts/slurm-test.sh
