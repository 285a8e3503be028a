tests/guest/build/rv32-virt/rvc-forms.o: \
 /work/main/tests/guest/rvc-forms.S /work/main/tests/guest/rt/asm.h
/work/main/tests/guest/rt/asm.h:
