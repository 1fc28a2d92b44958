declare module '@npmcli/arborist' {
  interface ArboristTree {
    inventory: Map<
      string,
      {
        location: string;
        packageName: string;
        version?: string;
        isRoot: boolean;
        isLink: boolean;
        isWorkspace: boolean;
      }
    >;
  }
  export default class Arborist {
    constructor(options: { path: string });
    loadVirtual(): Promise<ArboristTree>;
  }
}
