/* confdefs.h */
#define PACKAGE_NAME "tessera"
#define PACKAGE_TARNAME "tessera"
#define PACKAGE_VERSION "0.1.0"
#define PACKAGE_STRING "tessera 0.1.0"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_URL ""
#define PACKAGE "tessera"
#define VERSION "0.1.0"
/* end confdefs.h.  */
int some_variable = 0;
