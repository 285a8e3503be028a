tests/guest/build/rv32-spike/traps.o: /work/main/tests/guest/traps.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
