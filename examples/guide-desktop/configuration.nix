# The two-GTX-980 desktop from the NixOS VFIO guide: the card in 0f:00.x goes to the VM, the
# identical card in 0e:00.x stays with the host, so binding is by slot (driver_override), not by id.
# Two lines were copied from a guide written for another machine; `nix-vfio check` finds them.
{ config, pkgs, lib, ... }:
{
  imports = [ ./hardware-configuration.nix ];

  boot.loader.systemd-boot.enable = true;
  boot.kernelParams = [
    "amd_iommu=on"
    "iommu=pt"
  ];
  boot.initrd.availableKernelModules = [ "vfio-pci" ];
  boot.initrd.preDeviceCommands = ''
    DEVS="0000:0f:00.0 0000:0f:00.1"
    for DEV in $DEVS; do
      echo "vfio-pci" > /sys/bus/pci/devices/$DEV/driver_override
    done
    modprobe -i vfio-pci
  '';

  virtualisation.libvirtd.enable = true;
  users.users.alice.extraGroups = [ "libvirtd" ];

  services.xserver.videoDrivers = [ "nvidia" ];
  networking.hostName = "guide-desktop";
  system.stateVersion = "25.05";
}
