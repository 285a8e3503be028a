tests/guest/build/rv64-virt/csr.o: /work/main/tests/guest/csr.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
