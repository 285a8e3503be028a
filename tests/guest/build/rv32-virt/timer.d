tests/guest/build/rv32-virt/timer.o: /work/main/tests/guest/timer.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
