tests/guest/build/rv64-virt/uart.o: /work/main/tests/guest/uart.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
