tests/guest/build/rv32-spike/rvi.o: /work/main/tests/guest/rvi.c \
 /work/main/tests/guest/rt/insn.h /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/insn.h:
/work/main/tests/guest/rt/rt.h:
