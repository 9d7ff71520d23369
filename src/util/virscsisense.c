/* placeholder */
typedef int virScsiPlaceholder_virscsisense;
