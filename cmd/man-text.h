/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PMEMCTL_CMD_MAN_TEXT_H
#define PMEMCTL_CMD_MAN_TEXT_H

/*
 * The plain text of man page @page ("pmemctl-list"), rendered at build
 * time from Documentation/<page>.adoc by Documentation/man-text.py; NULL
 * for a page that does not exist.
 */
const char *man_text_find(const char *page);

#endif
