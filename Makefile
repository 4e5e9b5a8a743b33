# Thin aliases; the scripts are the commands.
.PHONY: run test
run:
	scripts/run
test:
	scripts/test
