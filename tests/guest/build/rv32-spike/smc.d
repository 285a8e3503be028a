tests/guest/build/rv32-spike/smc.o: /work/main/tests/guest/smc.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
