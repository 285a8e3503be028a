tests/guest/build/rv32-spike/smc-code.o: \
 /work/main/tests/guest/smc-code.S /work/main/tests/guest/rt/asm.h
/work/main/tests/guest/rt/asm.h:
