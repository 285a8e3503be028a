tests/guest/build/rv64-virt/rvc.o: /work/main/tests/guest/rvc.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
