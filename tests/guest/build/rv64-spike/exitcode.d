tests/guest/build/rv64-spike/exitcode.o: \
 /work/main/tests/guest/exitcode.c /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
