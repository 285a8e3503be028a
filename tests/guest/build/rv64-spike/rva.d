tests/guest/build/rv64-spike/rva.o: /work/main/tests/guest/rva.c \
 /work/main/tests/guest/rt/insn.h /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/insn.h:
/work/main/tests/guest/rt/rt.h:
