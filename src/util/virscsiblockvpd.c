/* placeholder */
typedef int virScsiPlaceholder_virscsiblockvpd;
