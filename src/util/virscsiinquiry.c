/* placeholder */
typedef int virScsiPlaceholder_virscsiinquiry;
