/*
 * emu: command line -> machine config -> run.
 */
int main(void)
{
    return 0;
}
