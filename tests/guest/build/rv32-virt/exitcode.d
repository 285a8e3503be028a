tests/guest/build/rv32-virt/exitcode.o: /work/main/tests/guest/exitcode.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
