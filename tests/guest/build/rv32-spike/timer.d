tests/guest/build/rv32-spike/timer.o: /work/main/tests/guest/timer.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
