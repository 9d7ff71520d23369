/* placeholder */
typedef int virScsiPlaceholder_virscsiplan;
