#ifndef EDGECTL_CLIBSSH_SHIM_H
#define EDGECTL_CLIBSSH_SHIM_H
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <libssh/callbacks.h>
#endif
