tests/guest/build/rv64-virt/rt/rt.o: /work/main/tests/guest/rt/rt.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
