tests/guest/build/rv64-virt/smc.o: /work/main/tests/guest/smc.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
