tests/guest/build/rv32-spike/rvm.o: /work/main/tests/guest/rvm.c \
 /work/main/tests/guest/rt/insn.h /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/insn.h:
/work/main/tests/guest/rt/rt.h:
