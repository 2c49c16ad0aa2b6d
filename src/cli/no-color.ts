// Run first by main.ts, before anything else is loaded: citty and consola decide about colour when
// they load. Output that is not a terminal (a pipe, a file, a container log) gets no escape codes;
// NO_COLOR is the switch both honour.
if ((!process.stdout.isTTY || !process.stderr.isTTY) && !process.env.NO_COLOR) process.env.NO_COLOR = "1";
