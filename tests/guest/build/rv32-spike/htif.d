tests/guest/build/rv32-spike/htif.o: /work/main/tests/guest/htif.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
