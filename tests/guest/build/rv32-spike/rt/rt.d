tests/guest/build/rv32-spike/rt/rt.o: /work/main/tests/guest/rt/rt.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
