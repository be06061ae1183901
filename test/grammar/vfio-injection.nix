# SYNTAX TEST "source.nix" "VFIO payloads inside strings"
{
  boot.kernelParams = [ "intel_iommu=on" "vfio-pci.ids=10de:13c0,10de:0fbb" ];
#                        ^^^^^^^^^^^ variable.parameter.kernel.vfio
#                                    ^^ constant.other.kernel-value.vfio
#                                         ^^^^^^^^^^^^ variable.parameter.vfio
#                                                      ^^^^^^^^^ constant.numeric.pci-id.vfio
#                                                                ^^^^^^^^^ constant.numeric.pci-id.vfio
  boot.extraModprobeConfig = ''
    options vfio-pci ids=10de:1e84,10de:10f8
#   ^^^^^^^ keyword.control.modprobe.vfio
#           ^^^^^^^^ entity.name.module.vfio
#                        ^^^^^^^^^ constant.numeric.pci-id.vfio
    softdep nvidia pre: vfio-pci
#   ^^^^^^^ keyword.control.modprobe.vfio
#           ^^^^^^ entity.name.module.vfio
#                  ^^^^ keyword.operator.softdep.vfio
  '';
  boot.initrd.preDeviceCommands = ''
    DEVS="0000:0f:00.0 0000:0f:00.1"
#         ^^^^^^^^^^^^ constant.numeric.pci-address.vfio
    for DEV in $DEVS; do
#   ^^^ keyword.control.shell.vfio
#       ^^^ variable.other.shell.vfio
#           ^^ keyword.control.shell.vfio
#              ^^^^^ variable.other.shell.vfio
#                     ^^ keyword.control.shell.vfio
      echo "vfio-pci" > /sys/bus/pci/devices/$DEV/driver_override
#     ^^^^ support.function.builtin.shell.vfio
#                     ^ keyword.operator.redirect.shell.vfio
#                                            ^^^^ variable.other.shell.vfio
#                                                 ^^^^^^^^^^^^^^^ support.variable.sysfs.vfio
    done
#   ^^^^ keyword.control.shell.vfio
    ${pkgs.kmod}/bin/modprobe -i vfio-pci ''${DEV}
#   ^^ meta.embedded.interpolation.nix - variable.other.shell.vfio
#                                         ^^^^^^^^ - variable.other.shell.vfio
  '';
  boot.extraModprobeConfig = "options vfio-pci ids=10de:13c0 # for done";
#                                                                 ^^^^ - keyword.control.shell.vfio
  x = 10; # a comment with 10de:13c0 is not a string
#                          ^^^^^^^^^ comment.line.number-sign.nix - constant.numeric.pci-id.vfio
}
